"""The office page of an inspection's procedure: decision, team, what was recorded, closing
and the papers; each form stores through the API's own function, refusals as the API's."""

import re
import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.web.inspection_office_pages import TEAM_ROWS
from tests.factories import World
from tests.metrology_svc.inspections.support import (
    TEAM,
    decision_body,
    finding,
    open_inspection,
    prepare,
    statuses,
    sync,
)
from tests.metrology_svc.stamps.support import API, freeze, issued
from tests.metrology_svc.web.conftest import login, page_token

# The decision of tests/…/inspections/support.py as the page's form posts it (dates typed
# dd/mm/yyyy as the page asks, or ISO).
DECISION_FORM = {
    "decided_on": "16/11/2026",
    "issuer_level": "province",
    "legal_bases": "",
    "signer_position": "KT. GIÁM ĐỐC/PHÓ GIÁM ĐỐC",
    "signer_name": "Trần Văn Bình",
    "party_kind": "organisation",
    "owner_id": "",
    "organisation_name": "Ban Quản lý chợ Kỳ Anh",
    "party_address": "Chợ Kỳ Anh, phường Sông Trí, tỉnh Hà Tĩnh",
    "representative_name": "Nguyễn Thị Hoa",
    "representative_position": "Trưởng ban",
    "inspect_from": "2026-11-20",
    "inspect_to": "2026-11-25",
    "place": "Chợ Kỳ Anh, phường Sông Trí, tỉnh Hà Tĩnh",
}


def _team_form(members: list[dict[str, Any]], *, rows: int = TEAM_ROWS) -> dict[str, str]:
    """Return the team form: the members in its first rows, the rest left empty."""
    form: dict[str, str] = {}
    for n in range(rows):
        m = members[n] if n < len(members) else {"role": "member"}
        for f in ("role", "name", "title", "agency", "certificate_no"):
            form[f"members.{n}.{f}"] = m.get(f) or ""
    return form


def _open(client: TestClient, db: Session, world: World, role: str = "inspector_a") -> int:
    freeze(client, date(2026, 11, 22))
    iid: int = open_inspection(client, world)["id"]
    login(client, db, role)
    return iid


def _post(client: TestClient, iid: int, what: str, form: dict[str, str], **params: str) -> Any:
    url = f"/web/inspections/{iid}/procedure"
    csrf = page_token(client.get(url))
    return client.post(
        f"{url}/{what}", data={**form, "csrf": csrf}, params=params, follow_redirects=False
    )


def _api(client: TestClient, world: World, iid: int) -> dict[str, Any]:
    r = client.get(f"{API}/inspections/{iid}", headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _value(html: str, field: str) -> str:
    found = re.search(rf'id="f-{re.escape(field)}" name="[^"]+" type="\w+" value="([^"]*)"', html)
    assert found, f"no input {field}"
    return found.group(1)


def test_the_page_shows_the_inspection_and_what_is_missing(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    page = client.get(f"/web/inspections/{iid}/procedure")
    assert page.status_code == 200
    html = page.text
    assert "Chợ Kỳ Anh" in html
    assert "22/11/2026" in html
    assert "Đang kiểm tra" in html
    for part in ("decision-form", "team-form", "close-form", "papers-later"):
        assert f'id="{part}"' in html
    assert f'href="/web/inspections/{iid}"' in html  # back to the field page
    missing = re.search(r'<div class="alert bad" id="missing">(.*?)</div>', html, re.S)
    assert missing
    assert "quyết định kiểm tra" in missing[1]
    assert "trưởng đoàn" in missing[1]
    # Prefilled from the inspection: its day for the period, the site for the place.
    assert _value(html, "inspect_from") == "22/11/2026"
    assert "Chợ Kỳ Anh" in _value(html, "place")
    assert html.count('<fieldset class="member">') == TEAM_ROWS
    english = client.get(f"/web/inspections/{iid}/procedure", params={"lang": "en"}).text
    assert "Inspection decision" in english
    assert "a team leader (part 2)" in english


def test_the_decision_form_stores_through_record_decision(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    res = _post(client, iid, "decision", DECISION_FORM)
    assert res.status_code == 303, res.text
    assert res.headers["location"].endswith("?saved=decision#decision")
    stored = _api(client, world, iid)["decision"]
    expected = {k: v for k, v in decision_body(world).items() if k != "legal_bases"}
    expected["party_name"] = expected.pop("organisation_name")
    assert {k: stored[k] for k in expected} == expected
    assert stored["number_text"] == "Số: 1/QĐ-SKHCN"
    assert len(stored["legal_bases"]) == 2  # none given: Law 04/2011 and Circular 28/2013
    page = client.get(res.headers["location"]).text
    assert "Đã lưu quyết định kiểm tra." in page
    assert "Số: 1/QĐ-SKHCN" in page
    assert _value(page, "representative_name") == "Nguyễn Thị Hoa"
    assert _value(page, "decided_on") == "16/11/2026"  # as offices write dates
    assert "Luật Đo lường số 04/2011/QH13" in page  # the bases, back in their text area
    # A correction keeps the register's number; typed bases replace the defaults.
    again = {**DECISION_FORM, "legal_bases": "Căn cứ A\n\nCăn cứ B", "signer_name": "Lê Thị C"}
    assert _post(client, iid, "decision", again).status_code == 303
    stored = _api(client, world, iid)["decision"]
    assert (stored["number"], stored["signer_name"]) == (1, "Lê Thị C")
    assert stored["legal_bases"] == ["Căn cứ A", "Căn cứ B"]


def test_a_bad_decision_is_refused_in_the_page(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    res = _post(client, iid, "decision", {**DECISION_FORM, "signer_name": ""})
    assert res.status_code == 422
    assert 'aria-describedby="e-signer_name"' in res.text
    assert re.search(r'id="e-signer_name">Bắt buộc nhập\.<', res.text)
    assert _value(res.text, "representative_name") == "Nguyễn Thị Hoa"  # the rest kept
    res = _post(client, iid, "decision", {**DECISION_FORM, "decided_on": "31/02/2026"})
    assert res.status_code == 422
    assert 'id="e-decided_on">Ngày không hợp lệ.' in res.text
    assert _value(res.text, "decided_on") == "31/02/2026"  # shown as typed, to correct
    # The service's own check, on its field, in Vietnamese and in English.
    late = {**DECISION_FORM, "inspect_to": "2026-11-19"}
    res = _post(client, iid, "decision", late)
    assert res.status_code == 422
    assert "Thời gian kiểm tra kết thúc trước khi bắt đầu." in res.text
    assert 'id="e-inspect_to"' in res.text
    res = _post(client, iid, "decision", late, lang="en")
    assert "The inspection period ends before it starts." in res.text
    owner = {**DECISION_FORM, "party_kind": "owner", "owner_id": str(world.owner_en)}
    res = _post(client, iid, "decision", owner, lang="vi")
    assert res.status_code == 422
    assert "không có phương tiện đo tại địa điểm được kiểm tra" in res.text
    assert _api(client, world, iid)["decision"] is None  # nothing stored


def test_the_team_form_stores_through_set_team(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    # Rows 0, 2 and 4 filled; rows 1 and 3 left empty are skipped.
    rows = [TEAM[0], {}, TEAM[1], {}, TEAM[2]]
    res = _post(client, iid, "team", _team_form(rows))
    assert res.status_code == 303, res.text
    team = _api(client, world, iid)["team"]
    assert [(m["position_no"], m["role"], m["name"]) for m in team] == [
        (1, "leader", "Lê Văn Hùng"),
        (2, "member", "Phạm Thị Lan"),
        (3, "cooperating", "Võ Minh Tuấn"),
    ]
    assert team[0]["certificate_no"] == "KTV-042-2025"
    assert team[2]["agency"] == "Đội Quản lý thị trường số 3"
    page = client.get(f"/web/inspections/{iid}/procedure").text
    assert "Đã lưu đoàn kiểm tra." not in page  # only after the redirect that says so
    assert _value(page, "members.0.certificate_no") == "KTV-042-2025"
    assert _value(page, "members.2.name") == "Võ Minh Tuấn"
    assert 'id="missing"' in page
    assert "trưởng đoàn (mục 2)" not in page


def test_a_bad_team_is_refused_on_the_row_it_came_from(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    two = _post(client, iid, "team", _team_form([TEAM[0], {**TEAM[1], "role": "leader"}]))
    assert two.status_code == 422
    assert "Đoàn kiểm tra phải có đúng một trưởng đoàn." in two.text
    # The leader in form row 2 (row 1 empty) without a certificate: the error is on row 2.
    no_card = _post(
        client, iid, "team", _team_form([TEAM[1], {}, {**TEAM[0], "certificate_no": ""}])
    )
    assert no_card.status_code == 422
    assert re.search(
        r'id="e-members\.2\.certificate_no">Trưởng đoàn phải có thẻ kiểm tra viên', no_card.text
    )
    assert _value(no_card.text, "members.2.name") == "Lê Văn Hùng"  # what was typed, kept
    unnamed = _post(client, iid, "team", _team_form([TEAM[0], {"title": "Chuyên viên"}]))
    assert unnamed.status_code == 422
    assert 'id="e-members.1.name">Bắt buộc nhập.' in unnamed.text
    empty = _post(client, iid, "team", _team_form([]))
    assert empty.status_code == 422
    assert 'id="team-error"' in empty.text
    assert _api(client, world, iid)["team"] == []


def test_closing_is_refused_without_a_decision_and_accepted_with_one(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    close = {"party_signature": "refused", "refusal_note": "", "conclusion": "Chợ chấp hành tốt."}
    res = _post(client, iid, "close", close)
    assert res.status_code == 422
    error = re.search(r'id="close-error">(.*?)</div>', res.text, re.S)
    assert error
    assert "Không thể kết thúc cuộc kiểm tra khi chưa có quyết định kiểm tra." in error[1]
    assert _api(client, world, iid)["closed_at"] is None
    prepare(client, world, iid)
    page = client.get(f"/web/inspections/{iid}/procedure").text
    assert 'id="ready"' in page
    assert 'id="missing"' not in page
    res = _post(client, iid, "close", close)  # refused, but not said how
    assert res.status_code == 422
    assert 'id="e-refusal_note">Ghi rõ việc đại diện bên được kiểm tra từ chối ký' in res.text
    note = "Bà Hoa từ chối ký, có hai người chứng kiến."
    res = _post(client, iid, "close", {**close, "refusal_note": note})
    assert res.status_code == 303, res.text
    stored = _api(client, world, iid)
    assert stored["closed_at"] is not None
    assert (stored["party_signature"], stored["refusal_note"]) == ("refused", note)
    assert stored["conclusion"] == "Chợ chấp hành tốt."
    page = client.get(res.headers["location"]).text
    assert "Đã kết thúc cuộc kiểm tra." in page
    assert "Từ chối ký biên bản" in page
    for form in ("decision-form", "team-form", "close-form"):
        assert f'id="{form}"' not in page
    assert 'id="decision-facts"' in page
    assert "Nguyễn Thị Hoa, Trưởng ban" in page
    # Closed: the service's refusal shows in the page, nothing changes.
    late = _post(client, iid, "decision", {**DECISION_FORM, "signer_name": "Người Khác"})
    assert late.status_code == 422
    assert f"Cuộc kiểm tra {iid} đã kết thúc." in late.text
    assert _api(client, world, iid)["decision"]["signer_name"] == "Trần Văn Bình"


def test_the_papers_open_in_the_browser(client: TestClient, db: Session, world: World) -> None:
    iid = _open(client, db, world)
    assert client.get(f"/web/inspections/{iid}/minutes.pdf").status_code == 409  # still open
    prepare(client, world, iid)
    assert _post(client, iid, "close", {"party_signature": "signed"}).status_code == 303
    page = client.get(f"/web/inspections/{iid}/procedure").text
    for link, name in (("minutes-link", "minutes.pdf"), ("notice-link", "result-notice.pdf")):
        href = re.search(rf'href="([^"]+)" id="{link}"', page)
        assert href
        assert href[1] == f"/web/inspections/{iid}/{name}"
        pdf = client.get(href[1])
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        # The API route wants a bearer token: the browser's cookie alone does not open it.
        assert client.get(f"{API}/inspections/{iid}/{name}").status_code == 401
    # A viewer reads the papers too; the API's printing is the same document.
    login(client, db, "viewer")
    viewer = client.get(f"/web/inspections/{iid}/result-notice.pdf")
    assert viewer.status_code == 200
    assert viewer.headers["cache-control"] == "no-store"
    api = client.get(f"{API}/inspections/{iid}/result-notice.pdf", headers=world.auth("viewer"))
    assert api.status_code == 200
    assert len(api.content) == len(viewer.content)


def test_recorded_findings_measures_and_checks_are_shown(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    stamp = issued(client, world, serial="NHS-SEAL-07")
    items = [
        finding("no_stamp", note="cân đồng hồ 30 kg không tem, quầy số 12"),
        finding("broken_seal", stamp_code=stamp["code"], note="kẹp chì bị cắt"),
    ]
    assert statuses(sync(client, world, iid, items)) == ["created", "created"]
    check = {
        "kind": "retail_weighing",
        "client_uuid": str(uuid.uuid4()),
        "goods": "thịt lợn",
        "declared": 1000,
        "measured": 950,
    }
    r = client.post(
        f"{API}/inspections/{iid}/measurement-checks", json=check, headers=world.auth("inspector_a")
    )
    assert r.status_code == 201, r.text
    html = client.get(f"/web/inspections/{iid}/procedure").text
    findings = re.search(r'id="finding-list">(.*?)</ol>', html, re.S)
    assert findings
    assert "Không có tem kiểm định" in findings[1]
    assert "quầy số 12" in findings[1]
    # The scale with the broken seal, by its serial, and what the finding did to it.
    assert f"số NHS-SEAL-07 (#{stamp['instrument_id']})" in findings[1]
    assert "Đang sử dụng → <b>Đình chỉ</b>" in findings[1]
    measures = re.search(r'id="measure-list">(.*?)</ol>', html, re.S)
    assert measures
    assert "Đề nghị lập biên bản vi phạm hành chính" in measures[1]
    checks = re.search(r'id="check-list">(.*?)</ol>', html, re.S)
    assert checks
    assert "Cân hàng hóa bán lẻ" in checks[1]
    assert "thịt lợn" in checks[1]
    assert "Chưa có quy định ràng buộc để kết luận thiếu" in checks[1]  # R 87 is reference only
    assert "shortfall" in checks[1]
    assert "chỉ tham khảo" in checks[1]
    assert "R 87" in checks[1]
    assert "50 g" in checks[1]  # the shortfall
    english = client.get(f"/web/inspections/{iid}/procedure", params={"lang": "en"}).text
    assert "No binding rule to call it short" in english
    assert "reference only" in english


def test_another_units_inspector_and_a_viewer_are_refused(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _open(client, db, world)
    csrf = login(client, db, "inspector_b")  # commune 18781: not this inspection's
    url = f"/web/inspections/{iid}/procedure"
    assert client.get(url).status_code == 403
    posts: dict[str, dict[str, str]] = {
        "decision": DECISION_FORM,
        "team": _team_form([TEAM[0]]),
        "close": {"party_signature": "signed"},
    }
    for what, form in posts.items():
        res = client.post(f"{url}/{what}", data={**form, "csrf": csrf}, follow_redirects=False)
        assert res.status_code == 403, what
        assert "Bản ghi này nằm ngoài địa bàn được phân công." in res.text
        assert "Chợ Kỳ Anh" not in res.text  # the refusal shows nothing of the inspection
    assert client.get(f"/web/inspections/{iid}/minutes.pdf").status_code == 403
    csrf = login(client, db, "viewer")
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="read-only"' in page.text
    for form_id in ("decision-form", "team-form", "close-form"):
        assert f'id="{form_id}"' not in page.text
    for what, form in posts.items():
        res = client.post(f"{url}/{what}", data={**form, "csrf": csrf}, follow_redirects=False)
        assert res.status_code == 403, what
        assert "Người xem không được sửa dữ liệu." in res.text
    stored = _api(client, world, iid)
    assert (stored["decision"], stored["team"], stored["closed_at"]) == (None, [], None)
    # Without its CSRF token a form stores nothing.
    login(client, db, "inspector_a")
    res = client.post(f"{url}/decision", data=DECISION_FORM, follow_redirects=False)
    assert res.status_code == 403
    assert _api(client, world, iid)["decision"] is None
