"""Instrument pages: list with the API's filters, detail, register and edit, roles and scope."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.instruments.models import Instrument
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.stamps.support import GOOD_POINTS
from tests.metrology_svc.web.conftest import csrf_of, login

FORM = {
    "type_code": "scale_spring_dial",
    "serial": "LX-7001",
    "manufacturer": "Nhơn Hòa",
    "model": "NHS-15",
    "max_g": "15000",
    "e_g": "50",
    "d_g": "50",
}


def _register(client: TestClient, world: World, body: dict[str, object]) -> int:
    res = client.post("/api/v1/instruments", json=body, headers=world.auth("admin"))
    assert res.status_code == 201, res.text
    iid: int = res.json()["id"]
    return iid


def test_list_filters_by_unit_and_type_and_pages(
    client: TestClient, db: Session, world: World
) -> None:
    for n in range(3):
        _register(client, world, spring_scale(world, serial=f"LX-A{n}"))
    _register(client, world, spring_scale(world, serial="LX-B0", site_id=world.market_b))
    _register(client, world, dispenser(world))
    login(client, db, "admin")
    everything = client.get("/web/instruments")
    assert everything.status_code == 200
    assert "5" in everything.text.split('id="count">')[1].split("<")[0]
    # the filter form as a browser submits it: every empty field is sent
    empty = "serial=&unit_code=&type_code=&site_id=&due_from=&due_to=&sort=id&lang=vi"
    submitted = client.get(f"/web/instruments?{empty}")
    assert submitted.status_code == 200
    assert "5" in submitted.text.split('id="count">')[1].split("<")[0]
    due = client.get("/web/instruments?status=due&status=overdue&due_from=&site_id=")
    assert "0" in due.text.split('id="count">')[1].split("<")[0]
    commune_b = client.get("/web/instruments?unit_code=18781").text
    assert "LX-B0" in commune_b
    assert "LX-A0" not in commune_b
    dispensers = client.get("/web/instruments?type_code=fuel_dispenser").text
    assert "TK-2024-01" in dispensers
    assert "LX-A1" not in dispensers
    first = client.get("/web/instruments?type_code=scale_spring_dial&sort=serial&limit=2").text
    assert "LX-A0" in first
    assert "LX-A1" in first
    assert "LX-A2" not in first
    assert 'rel="next"' in first
    second = client.get(
        "/web/instruments?type_code=scale_spring_dial&sort=serial&limit=2&offset=2"
    ).text
    assert "LX-A2" in second
    assert "LX-B0" in second
    assert 'rel="prev"' in second


def test_an_inspector_sees_only_their_units(client: TestClient, db: Session, world: World) -> None:
    mine = _register(client, world, spring_scale(world, serial="LX-A0"))
    theirs = _register(client, world, spring_scale(world, serial="LX-B0", site_id=world.market_b))
    login(client, db, "inspector_b")
    listed = client.get("/web/instruments").text
    assert "LX-B0" in listed
    assert "LX-A0" not in listed
    assert client.get(f"/web/instruments/{theirs}").status_code == 200
    forbidden = client.get(f"/web/instruments/{mine}")
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("text/html")
    assert "Bản ghi này nằm ngoài địa bàn được phân công." in forbidden.text
    assert client.get(f"/web/instruments/{mine}/edit").status_code == 403
    assert client.get("/web/instruments/999999").status_code == 404


def test_detail_shows_history_verifications_stamps_and_notices(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _register(client, world, spring_scale(world))
    body = {
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": GOOD_POINTS,
    }
    client.post(f"/api/v1/instruments/{iid}/verifications", json=body, headers=world.auth("admin"))
    login(client, db, "viewer")
    page = client.get(f"/web/instruments/{iid}").text
    assert 'data-event="registered"' in page
    assert 'data-event="verified"' in page
    # the history reads as a sentence: the verification's day, result and what it did
    assert "Kiểm định ngày 02/11/2026: Đạt (hạn kiểm định được dời)" in page
    assert "KĐV Trần Văn Nam" in page
    assert "YB-26-" in page  # the stamp's serial
    assert 'id="verify"' not in page  # a viewer gets no write buttons


def test_register_through_the_form(client: TestClient, db: Session, world: World) -> None:
    token = login(client, db, "inspector_a")
    form = client.get("/web/instruments/new")
    assert form.status_code == 200
    data = {**FORM, "owner_id": str(world.owner_vi), "site_id": str(world.market_a)}
    res = client.post("/web/instruments/new", data={**data, "csrf": token}, follow_redirects=False)
    assert res.status_code == 303, res.text
    iid = int(res.headers["location"].split("/")[3].split("?")[0])
    stored = db.get(Instrument, iid)
    assert stored is not None
    assert (stored.serial, stored.e_g, stored.accuracy_class) == ("LX-7001", 50, "IIII")
    again = client.post("/web/instruments/new", data={**data, "csrf": token})
    assert again.status_code == 422
    assert 'id="e-serial"' in again.text
    assert "đã có" in again.text


def test_errors_are_shown_next_to_their_fields_in_each_language(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "admin")
    bad = {**FORM, "serial": "", "e_g": "năm mươi", "max_g": "-1", "csrf": token}
    bad |= {"owner_id": str(world.owner_vi), "site_id": str(world.market_a)}
    vi = client.post("/web/instruments/new", data=bad)
    assert vi.status_code == 422
    assert 'id="e-e_g">“năm mươi” không phải là số.' in vi.text
    assert 'id="e-max_g">Phải lớn hơn 0.' in vi.text
    assert 'id="e-serial">Bắt buộc nhập.' in vi.text
    assert 'aria-invalid="true"' in vi.text
    assert 'value="năm mươi"' in vi.text  # what was typed stays
    en = client.post("/web/instruments/new?lang=en", data=bad)
    assert 'id="e-e_g">“năm mươi” is not a number.' in en.text
    assert 'id="e-serial">Required.' in en.text


def test_an_inspector_cannot_register_outside_their_units(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "inspector_a")
    data = {**FORM, "owner_id": str(world.owner_vi), "site_id": str(world.market_b)}
    res = client.post("/web/instruments/new", data={**data, "csrf": token})
    assert res.status_code == 403


def test_a_viewer_cannot_post_forms(client: TestClient, db: Session, world: World) -> None:
    iid = _register(client, world, spring_scale(world))
    token = login(client, db, "viewer")
    assert client.get("/web/instruments/new").status_code == 403
    data = {**FORM, "owner_id": str(world.owner_vi), "site_id": str(world.market_a)}
    assert client.post("/web/instruments/new", data={**data, "csrf": token}).status_code == 403
    edit = client.post(f"/web/instruments/{iid}/edit", data={"model": "X", "csrf": token})
    assert edit.status_code == 403


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _register(client, world, spring_scale(world))
    login(client, db, "admin")
    data = {**FORM, "owner_id": str(world.owner_vi), "site_id": str(world.market_a)}
    assert client.post("/web/instruments/new", data=data).status_code == 403
    wrong = client.post("/web/instruments/new", data={**data, "csrf": "0" * 64})
    assert wrong.status_code == 403
    assert client.post(f"/web/instruments/{iid}/edit", data={"model": "X"}).status_code == 403
    stored = db.get(Instrument, iid)
    assert stored is not None
    assert stored.model == "NHS-15"


def test_edit_through_the_form_records_the_change(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _register(client, world, spring_scale(world))
    login(client, db, "inspector_a")
    form = client.get(f"/web/instruments/{iid}/edit")
    assert 'value="NHS-15"' in form.text
    data = {
        "model": "NHS-30",
        "max_g": "30000",
        "e_g": "100",
        "d_g": "100",
        "accuracy_class": "IIII",
        "owner_id": str(world.owner_vi),
        "site_id": str(world.market_a),
        "role": "trade",
        "csrf": csrf_of(form.text),
    }
    res = client.post(f"/web/instruments/{iid}/edit", data=data, follow_redirects=False)
    assert res.status_code == 303, res.text
    page = client.get(res.headers["location"]).text
    assert 'id="saved"' in page
    assert "NHS-30" in page
    row = page.split('data-event="updated"')[1].split("</tr>")[0]
    assert "Kiểu từ NHS-15 thành NHS-30" in row, row
    assert "Mức cân lớn nhất (Max) từ 15\u00a0000 g thành 30\u00a0000 g" in row, row
    history = client.get(f"/api/v1/instruments/{iid}/history", headers=world.auth("admin")).json()
    assert history[-1]["kind"] == "updated"
    assert history[-1]["detail"]["model"] == {"from": "NHS-15", "to": "NHS-30"}


def test_bad_addresses_get_pages_and_the_api_keeps_json(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "admin")
    bad = client.get("/web/instruments?due_from=hôm-qua")
    assert bad.status_code == 422
    assert "Giá trị due_from không hợp lệ." in bad.text
    worse = client.get("/web/instruments?limit=many")
    assert worse.status_code == 422
    assert "Một số giá trị trong địa chỉ không hợp lệ." in worse.text
    unknown = client.get("/web/khong-co")
    assert unknown.status_code == 404
    assert "Không có trang này." in unknown.text
    assert client.get("/api/v1/khong-co").json()["error"]["code"] == "not_found"
    api = client.get("/api/v1/instruments?due_from=x", headers=world.auth("admin"))
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "invalid"


def test_the_form_refuses_e_above_max_next_to_the_field(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "inspector_a")
    data = {**FORM, "e_g": "20000", "owner_id": str(world.owner_vi), "site_id": str(world.market_a)}
    res = client.post("/web/instruments/new", data={**data, "csrf": token})
    assert res.status_code == 422
    assert 'id="e-e_g">e = 20000 g lớn hơn Max = 15000 g: cân phải có e ≤ Max' in res.text
