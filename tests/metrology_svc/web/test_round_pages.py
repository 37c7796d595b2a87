"""The verification rounds page: the API's plan day by day, its files, the office's days off
(added and deleted through the page) and the API's refusals."""

import io
import re
from datetime import date, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from metrology_svc.instruments.models import Instrument, InstrumentStatus
from schedules.models import OfficeDayOff
from tests.factories import World
from tests.metrology_svc.web.conftest import login
from tests.schedules.support import add_instrument

MONDAY = date(2027, 3, 1)
WINDOW = {"unit_code": "42", "from": "2027-03-01", "to": "2027-03-03", "capacity": "2"}
SERIALS = count(1)


def overdue_at(db: Session, world: World, site_id: int, n: int, *, days: int = 10) -> list[int]:
    """Store instruments at a site, overdue by some days on MONDAY; return their ids."""
    return [
        add_instrument(
            db,
            world,
            serial=f"R-{next(SERIALS)}",
            due_date=MONDAY - timedelta(days=days),
            status=InstrumentStatus.OVERDUE,
            site_id=site_id,
        ).id
        or 0
        for _ in range(n)
    ]


def api_plan(client: TestClient, world: World, params: dict[str, str]) -> Any:
    """Return GET /api/v1/rounds for the same parameters, as the admin sees it."""
    r = client.get("/api/v1/rounds", params=params, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def page_visits(html: str) -> list[tuple[str, int, list[int]]]:
    """Return the page's visits: (day, site id, instrument ids), in the page's order."""
    out = []
    for day_card in html.split('class="card round-day"')[1:]:
        day = day_card.split('data-day="')[1].split('"')[0]
        for visit in day_card.split('<article class="visit"')[1:]:
            site = int(visit.split('data-site="')[1].split('"')[0])
            items = [int(i) for i in re.findall(r'<li data-instrument="(\d+)"', visit)]
            out.append((day, site, items))
    return out


def sites_on(html: str, day: str) -> set[int]:
    """Return the sites the page visits on a day."""
    return {site for d, site, _ in page_visits(html) if d == day}


def test_the_plan_is_the_apis_day_by_day_with_its_files(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 3)
    overdue_at(db, world, world.market_b, 2, days=40)
    db.commit()
    login(client, db, "admin")
    page = client.get("/web/rounds", params=WINDOW)
    assert page.status_code == 200, page.text
    html = page.text
    api = api_plan(client, world, WINDOW)
    # The same visits as the API, in its order (day, inspector, site), instruments included.
    assert page_visits(html) == [
        (v["day"], v["site_id"], v["instrument_ids"]) for v in api["visits"]
    ]
    assert len(page_visits(html)) >= 3
    assert 'id="day-2027-03-01"' in html
    assert "Thứ Hai, 01/03/2027" in html
    assert "Test inspector_a</b> · phường Sông Trí" in html
    assert "Chợ Kỳ Anh" in html
    assert "Chợ Kỳ Đồng" in html
    assert "Quá hạn 10 ngày" in html
    assert "Quá hạn 40 ngày" in html
    assert "Nguyễn Thị Hoa, Sạp thịt Hoa" in html
    assert f'id="n-instruments">{api["instruments"]}<' in html
    query = "unit_code=42&amp;from=2027-03-01&amp;to=2027-03-03&amp;capacity=2"
    assert f'href="/web/rounds/export.xlsx?{query}"' in html
    assert f'href="/web/rounds/plan.pdf?{query}"' in html

    english = client.get("/web/rounds", params={**WINDOW, "lang": "en"}).text
    assert "Monday, 01/03/2027" in english
    assert "Overdue by 10 days" in english
    assert "Quá hạn 10 ngày" not in english

    xlsx = client.get("/web/rounds/export.xlsx", params=WINDOW)
    assert xlsx.status_code == 200, xlsx.text
    assert 'filename="round-42.xlsx"' in xlsx.headers["content-disposition"]
    assert xlsx.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    planned = [i for v in api["visits"] for i in v["instrument_ids"]]
    serials = db.exec(select(Instrument.serial).where(col(Instrument.id).in_(planned))).all()
    assert len(serials) == 5
    assert {*serials, "Chợ Kỳ Anh", "Chợ Kỳ Đồng"} <= cells
    pdf = client.get("/web/rounds/plan.pdf", params=WINDOW)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_a_window_over_tet_shows_the_holidays_it_skipped(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 30, days=60)  # due 31/12/2026
    db.commit()
    login(client, db, "inspector_a")
    params = {"unit_code": "18754", "from": "2027-02-01", "to": "2027-02-12", "capacity": "1"}
    html = client.get("/web/rounds", params=params).text
    days = sorted({d for d, _, _ in page_visits(html)})
    assert days == ["2027-02-01", "2027-02-02", "2027-02-03", "2027-02-11", "2027-02-12"]
    skipped = html.split('id="skipped"')[1].split("</section>")[0]
    for day in (4, 5, 8, 9, 10):
        assert f'data-day="2027-02-{day:02d}" data-source="holiday"' in skipped
    assert "Tết" in skipped
    # The year's list names the holidays too; only an admin may add or delete days off.
    year = html.split('id="days-off"')[1].split("</section>")[0]
    assert "Ngày nghỉ năm 2027" in year
    assert 'data-day="2027-02-08" data-source="holiday"' in year
    assert 'id="off-form"' not in year
    assert "Chỉ quản trị viên" in year
    # An inspector is offered their own commune only.
    assert re.findall(r'<option value="([^"]+)"', html) == ["18754"]


def test_a_day_off_added_on_the_page_leaves_the_plan_and_comes_back_when_deleted(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 6)
    overdue_at(db, world, world.market_b, 6)
    db.commit()
    token = login(client, db, "admin")
    before = client.get("/web/rounds", params=WINDOW).text
    assert world.market_a in sites_on(before, "2027-03-02")
    back = {f"q_{k}": v for k, v in WINDOW.items()}
    form = {"csrf": token, "unit_code": "18754", "day": "2027-03-02", "reason": "Lễ hội đền"}
    made = client.post("/web/rounds/days-off", data={**form, **back}, follow_redirects=False)
    assert made.status_code == 303, made.text
    assert made.headers["location"] == (
        "/web/rounds?unit_code=42&from=2027-03-01&to=2027-03-03&capacity=2&said=added"
    )
    kept = db.exec(select(OfficeDayOff).where(OfficeDayOff.day == date(2027, 3, 2))).all()
    assert [(o.reason, o.unit_id) for o in kept] == [("Lễ hội đền", world.unit_ids["18754"])]

    after = client.get(made.headers["location"]).text
    assert 'id="said">Đã thêm ngày nghỉ.' in after
    assert world.market_a not in sites_on(after, "2027-03-02")  # Sông Trí closed that day
    assert world.market_b in sites_on(after, "2027-03-02")  # Hải Ninh works
    skipped = after.split('id="skipped"')[1].split("</section>")[0]
    assert 'data-day="2027-03-02" data-source="office"' in skipped
    assert "Lễ hội đền · Phường Sông Trí" in skipped
    assert page_visits(after) == [
        (v["day"], v["site_id"], v["instrument_ids"])
        for v in api_plan(client, world, WINDOW)["visits"]
    ]

    again = client.post("/web/rounds/days-off", data={**form, **back})
    assert again.status_code == 409
    assert "đã có ngày nghỉ 02/03/2027" in again.text.split('id="off-error"')[1]

    off_id = kept[0].id
    assert f'id="off-{off_id}"' in after
    gone = client.post(
        f"/web/rounds/days-off/{off_id}/delete",
        data={"csrf": token, **back},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    db.expire_all()
    assert db.get(OfficeDayOff, off_id) is None
    restored = client.get(gone.headers["location"]).text
    assert 'id="said">Đã xóa ngày nghỉ.' in restored
    assert world.market_a in sites_on(restored, "2027-03-02")
    missing = client.post(f"/web/rounds/days-off/{off_id}/delete", data={"csrf": token})
    assert missing.status_code == 404


def test_refusals_follow_the_api(client: TestClient, db: Session, world: World) -> None:
    overdue_at(db, world, world.market_a, 2)
    db.add(OfficeDayOff(unit_id=world.unit_ids["18754"], day=date(2027, 3, 2), reason="Nghỉ"))
    db.commit()
    off = db.exec(select(OfficeDayOff)).one()
    form = {"unit_code": "18754", "day": "2027-03-03", "reason": "Nghỉ bù"}
    for role in ("viewer", "inspector_a"):
        token = login(client, db, role)
        added = client.post("/web/rounds/days-off", data={**form, "csrf": token})
        assert added.status_code == 403, role
        assert "Chỉ quản trị viên" in added.text
        deleted = client.post(f"/web/rounds/days-off/{off.id}/delete", data={"csrf": token})
        assert deleted.status_code == 403, role
    db.expire_all()
    assert [o.day for o in db.exec(select(OfficeDayOff)).all()] == [date(2027, 3, 2)]
    # A viewer reads the plan and the working plan, but does not print the office's plan.
    login(client, db, "viewer")
    params = {**WINDOW, "unit_code": "18754"}
    viewer = client.get("/web/rounds", params=params).text
    assert 'id="dl-xlsx"' in viewer
    assert 'id="dl-pdf"' not in viewer
    assert client.get("/web/rounds/export.xlsx", params=params).status_code == 200
    assert client.get("/web/rounds/plan.pdf", params=params).status_code == 403
    # Another commune's inspector: refused the plan and its files, as by the API.
    login(client, db, "inspector_b")
    for path in ("/web/rounds", "/web/rounds/export.xlsx", "/web/rounds/plan.pdf"):
        r = client.get(path, params=params)
        assert r.status_code == 403, path
        assert "ngoài địa bàn" in r.text
    # An admin's form without its token is refused.
    login(client, db, "admin")
    assert client.post("/web/rounds/days-off", data=form).status_code == 403
    client.cookies.clear()
    anonymous = client.get("/web/rounds", params=params, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/web/login?next=")


def test_invalid_input_is_explained_next_to_its_field(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "admin")
    backwards = {**WINDOW, "from": "2027-03-10", "to": "2027-03-01"}
    r = client.get("/web/rounds", params=backwards)
    assert r.status_code == 422
    assert 'id="e-to">Khoảng thời gian phải tăng dần' in r.text
    assert 'id="round"' not in r.text
    r = client.get("/web/rounds", params={**WINDOW, "capacity": "0"})
    assert r.status_code == 422
    assert 'id="e-capacity">Phải từ 1 trở lên.' in r.text
    assert "Ngày nghỉ năm 2027" in r.text  # the days off are still listed and kept
    assert 'data-day="2027-09-02" data-source="holiday"' in r.text
    r = client.get("/web/rounds", params={**WINDOW, "unit_code": "99"})
    assert r.status_code == 422
    assert "Không có đơn vị hành chính mã &#39;99&#39;" in r.text
    r = client.get("/web/rounds", params={**WINDOW, "from": "9999-12-31"})
    assert r.status_code == 422
    assert 'id="e-from">Chỉ lập kế hoạch trong các năm 2000 đến 2099.' in r.text
    blank = {"csrf": token, "unit_code": "18754", "day": "2027-03-02", "reason": "  "}
    r = client.post("/web/rounds/days-off", data=blank)
    assert r.status_code == 422
    assert 'id="e-off_reason">Cần ít nhất 1 ký tự.' in r.text
    r = client.post("/web/rounds/days-off", data={**blank, "day": "02/03", "reason": "x"})
    assert r.status_code == 422
    assert 'id="e-off_day">Ngày không hợp lệ.' in r.text
    assert 'value="x"' in r.text  # what was typed is kept
    # The downloads refuse what the page refuses.
    assert client.get("/web/rounds/export.xlsx", params=backwards).status_code == 422
    # In English (the language then stays in a cookie).
    en = client.get("/web/rounds", params={**backwards, "lang": "en"})
    assert en.status_code == 422
    assert 'id="e-to">The window must run forwards' in en.text
    r = client.get("/web/rounds", params={**WINDOW, "capacity": "0"})
    assert 'id="e-capacity">Must be at least 1.' in r.text
    bad = client.get("/web/rounds/export.xlsx", params={**WINDOW, "capacity": "x"})
    assert bad.status_code == 422
    assert "capacity: Must be a whole number." in bad.text
    r = client.post("/web/rounds/days-off", data=blank)
    assert 'id="e-off_reason">Needs at least 1 characters.' in r.text
    assert db.exec(select(OfficeDayOff)).all() == []
