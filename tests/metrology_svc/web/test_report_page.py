"""The yearly report page: the figures of reports.service, charts, scope, XLSX and PDF."""

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.reports.history import make_old
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.web.conftest import login

PARAMS = {"unit_code": "18754", "year": "2026"}


def _cells(html: str, row_id: str) -> list[str]:
    row = html.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="n">([^<]*)</td>', row)


def test_report_page_shows_the_services_figures(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    login(client, db, "inspector_a")
    page = client.get("/web/reports/yearly", params=PARAMS)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-unit="18754" data-scheme="2025" data-year="2026"' in html
    # verifications, instruments, passed, failed, pass rate (the API's 3, 3, 2, 1, 66.7)
    assert _cells(html, "verified-total") == ["3", "3", "2", "1", "66.7"]
    # in use, overdue, due soon, never verified, failed, suspended (the API's total)
    assert _cells(html, "due-total") == ["7", "1", "1", "2", "1", "2"]
    assert 'id="consumer-checks">4<' in html
    assert 'id="shortfalls">2<' in html
    assert 'id="indications">1<' in html
    assert "Hỏng dấu niêm phong, kẹp chì" in html  # a finding kind, in Vietnamese
    assert "Kiểm định theo loại phương tiện đo" in html
    # two server-rendered charts, each with its own title id
    assert html.count('<svg class="chart"') == 2
    assert 'aria-labelledby="chart-title-verified"' in html
    assert 'aria-labelledby="chart-title-due"' in html
    assert 'data-series="failed" data-value="1"' in html
    assert 'href="/web/reports/yearly.xlsx?unit_code=18754&amp;year=2026"' in html
    assert 'href="/web/reports/yearly.pdf?unit_code=18754&amp;year=2026"' in html
    assert "Cơ quan ban hành: <b>Ủy ban nhân dân phường Sông Trí</b>" in html
    assert 'href="/web/reports/yearly" aria-current="page"' in html  # in the nav

    english = client.get("/web/reports/yearly", params={**PARAMS, "lang": "en"}).text
    assert "Verifications by instrument type" in english
    assert "Broken seal" in english
    assert "Hỏng dấu niêm phong, kẹp chì" not in english
    assert '<th scope="row">Periodic</th>' in english  # kinds named, not coded
    assert ">periodic<" not in english
    assert "Issuing body: <b>People&#39;s Committee of phường Sông Trí</b>" in english


def test_an_inspector_of_another_commune_is_refused_the_report(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    login(client, db, "inspector_b")
    page = client.get("/web/reports/yearly", params=PARAMS)
    assert page.status_code == 403
    assert 'data-code="403"' in page.text
    assert client.get("/web/reports/yearly.xlsx", params=PARAMS).status_code == 403
    assert client.get("/web/reports/yearly.pdf", params=PARAMS).status_code == 403
    # Without parameters the page opens on the inspector's own commune (Hải Ninh).
    own = client.get("/web/reports/yearly")
    assert own.status_code == 200
    assert 'data-unit="18781"' in own.text
    assert '<option value="18754"' not in own.text


def test_downloads_are_a_real_workbook_and_pdf(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    login(client, db, "viewer")
    xlsx = client.get("/web/reports/yearly.xlsx", params=PARAMS)
    assert xlsx.status_code == 200, xlsx.text
    assert "bao-cao-do-luong-18754-2026.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Kiểm định theo loại" in book.sheetnames
    pdf = client.get("/web/reports/yearly.pdf", params=PARAMS)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "bao-cao-do-luong-18754-2026.pdf" in pdf.headers["content-disposition"]
    client.cookies.clear()  # no session: the login form, not the file
    anonymous = client.get("/web/reports/yearly.pdf", params=PARAMS, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/web/login?next=")


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', html)


def test_the_unit_picker_follows_the_year(client: TestClient, db: Session, world: World) -> None:
    make_old(db)
    db.commit()
    login(client, db, "admin")
    now = client.get("/web/reports/yearly", params={"year": "2026"}).text
    options = _options(now)
    # The province where the sites are, then its 69 communes of 2025; no other province.
    assert options[0] == "42"
    assert len(options) == 70
    assert {"18754", "18781", "18073"} <= set(options)
    assert "01" not in options
    assert "2004:449" not in options
    old = client.get("/web/reports/yearly", params={"year": "2024", "unit_code": "42"}).text
    assert '<optgroup label="Tỉnh, huyện (trước 01/07/2025)">' in old
    assert "2004:449" in _options(old)
    assert "2004:42" not in _options(old)  # the province keeps its path: offered once
    login(client, db, "inspector_b")
    mine = _options(client.get("/web/reports/yearly", params={"year": "2024"}).text)
    assert mine == []  # a commune of 2025 has no report for 2024; the old district is wider


def test_a_unit_that_did_not_exist_that_year_is_explained_on_the_page(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "viewer")
    page = client.get("/web/reports/yearly", params={"unit_code": "18754", "year": "2024"})
    assert page.status_code == 422
    refusal = page.text.split('id="refusal">')[1].split("</p>")[0]
    assert "Phường Sông Trí (18754) được thành lập từ ngày 01/07/2025" in refusal
    assert 'id="report"' not in page.text
    english = client.get(
        "/web/reports/yearly", params={"unit_code": "18754", "year": "2024", "lang": "en"}
    ).text
    assert "exists from 01/07/2025" in english


def test_an_old_district_is_reported_and_downloaded_for_its_years(
    client: TestClient, db: Session, world: World
) -> None:
    make_old(db)
    db.commit()
    login(client, db, "viewer")
    params = {"unit_code": "2004:449", "year": "2024"}
    page = client.get("/web/reports/yearly", params=params).text
    assert 'data-unit="449" data-scheme="2004" data-year="2024"' in page
    assert 'Thị xã Kỳ Anh <span class="muted">(danh mục 2004)</span>' in page
    assert '<option value="2004:449" selected>' in page
    assert 'href="/web/reports/yearly.xlsx?unit_code=2004%3A449&amp;year=2024"' in page
    xlsx = client.get("/web/reports/yearly.xlsx", params=params)
    assert "bao-cao-do-luong-2004-449-2024.xlsx" in xlsx.headers["content-disposition"]


FIVE = {"unit_code": "18754", "year_from": "2021", "year_to": "2025"}
PERIOD = {"unit_code": "18754", "period_from": "2021-01-01", "period_to": "2025-12-31"}
TEXTS = {
    "achievements": "Duy trì cân đối chứng tại các chợ.\nKiểm tra cửa hàng xăng dầu.",
    "shortcomings": "Cán bộ cấp cơ sở kiêm nhiệm.",
    "next_steps": "Tiếp tục kiểm tra định kỳ tại các chợ.",
    "proposals": "Đề nghị Sở hỗ trợ tập huấn & thiết bị <chuẩn>.",
}


def _api(client: TestClient, world: World, params: dict[str, str]) -> Any:
    r = client.get("/api/v1/reports/yearly", params=params, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_period_of_years_is_the_apis_report_with_its_files(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    login(client, db, "inspector_a")
    page = client.get("/web/reports/yearly", params=FIVE)
    assert page.status_code == 200, page.text
    html = page.text
    api = _api(client, world, PERIOD)
    assert 'data-from="2021-01-01" data-to="2025-12-31"' in html
    assert 'id="period">giai đoạn 2021-2025<' in html
    t = api["verified_total"]
    assert _cells(html, "verified-total") == [
        str(t[k]) for k in ("verifications", "instruments", "passed", "failed")
    ] + [f"{t['pass_rate']:g}"]
    assert _cells(html, "due-total")[1] == str(api["due"]["total"]["overdue"])
    for part in ("part-1", "part-2", "part-3"):
        assert f'id="{part}"' in html
    query = "unit_code=18754&amp;period_from=2021-01-01&amp;period_to=2025-12-31"
    assert f'href="/web/reports/yearly.xlsx?{query}"' in html
    assert f'href="/web/reports/yearly.pdf?{query}"' in html
    assert (
        'id="year_from" name="year_from" type="number" min="2000" max="2100" value="2021"' in html
    )
    assert "Số: /BC-UBND" in " ".join(html.split())  # a draft: no number yet
    xlsx = client.get("/web/reports/yearly.xlsx", params=PERIOD)
    assert "bao-cao-do-luong-18754-2021-2025.xlsx" in xlsx.headers["content-disposition"]
    pdf = client.get("/web/reports/yearly.pdf", params=PERIOD)
    assert pdf.content.startswith(b"%PDF-")
    assert "bao-cao-do-luong-18754-2021-2025.pdf" in pdf.headers["content-disposition"]
    english = client.get("/web/reports/yearly", params={**FIVE, "lang": "en"}).text
    assert 'id="period">2021–2025<' in english
    assert "II. Assessment" in english
    # The same year twice is that year's report, named by its year.
    one = client.get("/web/reports/yearly", params={**FIVE, "year_from": "2026", "year_to": "2026"})
    assert 'data-from="2026-01-01" data-to="2026-12-31"' in one.text
    assert 'href="/web/reports/yearly.xlsx?unit_code=18754&amp;year=2026"' in one.text


def test_texts_are_kept_shown_again_and_issuing_gives_a_number(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    token = login(client, db, "inspector_a")
    form = {**TEXTS, **PERIOD, "csrf": token}
    saved = client.post("/web/reports/texts", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == (
        "/web/reports/yearly?unit_code=18754&period_from=2021-01-01&period_to=2025-12-31&said=saved"
    )
    page = client.get(saved.headers["location"]).text
    assert 'id="said">Đã lưu mục II, III.' in page
    kept = page.split('id="kept-achievements">')[1].split("</div>")[0]
    assert kept == "<p>Duy trì cân đối chứng tại các chợ.</p><p>Kiểm tra cửa hàng xăng dầu.</p>"
    assert "tập huấn &amp; thiết bị &lt;chuẩn&gt;." in page  # escaped, not markup
    assert f">{TEXTS['shortcomings']}</textarea>" in page  # the form shows what is kept
    assert _api(client, world, PERIOD)["texts"] == TEXTS
    # Another period's texts are its own.
    other = client.get("/web/reports/yearly", params={"unit_code": "18754", "year": "2026"}).text
    assert "Cán bộ cấp cơ sở kiêm nhiệm." not in other

    issued = client.post(
        "/web/reports/issue", data={**PERIOD, "csrf": token}, follow_redirects=False
    )
    assert issued.status_code == 303, issued.text
    shown = client.get(issued.headers["location"]).text
    assert "Đã ban hành báo cáo: Số: 1/BC-UBND, ngày 22/11/2026." in shown
    assert 'id="number"><b>Số: 1/BC-UBND</b> · ngày 22/11/2026' in shown
    assert 'id="texts-form"' not in shown
    assert 'id="issue-form"' not in shown
    assert _api(client, world, PERIOD)["number"] == 1
    # Issuing again keeps the number; the issued texts are the record (409, said on the page).
    token = login(client, db, "admin")
    again = client.post("/web/reports/issue", data={**PERIOD, "csrf": token})
    assert again.status_code == 200
    assert "Số: 1/BC-UBND" in again.text
    late = client.post("/web/reports/texts", data={**form, "csrf": token})
    assert late.status_code == 409
    error = late.text.split('id="texts-error">')[1].split("</p>")[0]
    assert error.startswith("Báo cáo số 1 đã ban hành ngày 22/11/2026")
    assert _api(client, world, PERIOD)["texts"] == TEXTS


def test_viewers_and_other_communes_may_not_write_or_issue(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    for role in ("viewer", "inspector_b"):
        token = login(client, db, role)
        texts = client.post("/web/reports/texts", data={**TEXTS, **PERIOD, "csrf": token})
        assert texts.status_code == 403, role
        issued = client.post("/web/reports/issue", data={**PERIOD, "csrf": token})
        assert issued.status_code == 403, role
    api = _api(client, world, PERIOD)
    assert api["number"] is None
    assert api["texts"]["achievements"] == ""
    login(client, db, "viewer")
    page = client.get("/web/reports/yearly", params=FIVE).text
    assert 'id="texts-form"' not in page
    assert 'id="issue-form"' not in page
    token = login(client, db, "inspector_a")
    assert (
        client.post("/web/reports/texts", data={**TEXTS, **PERIOD}).status_code == 403
    )  # no token


def test_invalid_periods_and_texts_are_refused_in_both_languages(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    token = login(client, db, "inspector_a")
    backwards = {**FIVE, "year_from": "2025", "year_to": "2021"}
    r = client.get("/web/reports/yearly", params=backwards)
    assert r.status_code == 422
    refusal = r.text.split('id="refusal">')[1].split("</p>")[0]
    assert refusal == "Ngày kết thúc (31/12/2021) trước ngày bắt đầu (01/01/2025)."
    r = client.get("/web/reports/yearly", params={**FIVE, "year_from": "1999"})
    assert r.status_code == 422
    assert 'id="e-year_from">Phải từ 2000 trở lên.' in r.text
    assert 'id="report"' not in r.text
    r = client.get("/web/reports/yearly", params={**FIVE, "year_to": "abc"})
    assert r.status_code == 422
    assert 'id="e-year_to">Phải là một số nguyên.' in r.text
    long = {**TEXTS, **PERIOD, "achievements": "x" * 20001, "csrf": token}
    r = client.post("/web/reports/texts", data=long)
    assert r.status_code == 422
    assert 'id="e-t-achievements">Tối đa 20000 ký tự.' in r.text
    assert ">Đề nghị Sở hỗ trợ tập huấn &amp; thiết bị &lt;chuẩn&gt;.</textarea>" in r.text  # kept
    bad = client.post("/web/reports/issue", data={**PERIOD, "period_to": "31/12", "csrf": token})
    assert bad.status_code == 422
    assert "period_to: Ngày không hợp lệ." in bad.text
    english = client.get("/web/reports/yearly", params={**backwards, "lang": "en"})
    assert english.status_code == 422
    assert "The period ends (31/12/2021) before it begins (01/01/2025)." in english.text
    r = client.get("/web/reports/yearly", params={**FIVE, "year_to": "abc"})
    assert 'id="e-year_to">Must be a whole number.' in r.text
    assert _api(client, world, PERIOD)["texts"]["achievements"] == ""
