"""Verification entry: the preview runs the same rules, the form records, a pass prints a stamp."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.instruments.models import Instrument
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.web.conftest import csrf_of, login


def _scale(client: TestClient, world: World, site_id: int | None = None) -> int:
    body = spring_scale(world, site_id=site_id)
    res = client.post("/api/v1/instruments", json=body, headers=world.auth("admin"))
    iid: int = res.json()["id"]
    return iid


def test_preview_judges_each_point_with_the_r76_bands(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    login(client, db, "inspector_a")
    points = [  # typed as the form shows them: in kg for a 15 kg scale, Vietnamese writing
        {"reference": "0,5", "indicated": "0,525"},  # 25 g error, MPE 25 g at 10 e: pass
        {"reference": "0,5", "indicated": "526 g"},  # just beyond
        {"reference": "15", "indicated": "14,925"},  # -75 g, MPE 75 g at 300 e: pass
        {"reference": 7.5, "indicated": "7,551"},  # 51 g > 50 g (a JSON number: kg too)
    ]
    res = client.post("/web/verifications/preview", json={"instrument_id": iid, "points": points})
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["unit"], body["entry_unit"]) == ("g", "kg")
    assert [(p["error"], p["mpe"], p["passed"]) for p in body["points"]] == [
        (25, 25, True),
        (26, 25, False),
        (-75, 75, True),
        (51, 50, False),
    ]
    assert body["passed"] is False
    assert db.get(Instrument, iid) is not None
    history = client.get(f"/api/v1/instruments/{iid}/verifications", headers=world.auth("admin"))
    assert history.json() == []  # a preview saves nothing


def test_preview_of_a_dispenser_uses_the_percentage(
    client: TestClient, db: Session, world: World
) -> None:
    res = client.post("/api/v1/instruments", json=dispenser(world), headers=world.auth("admin"))
    login(client, db, "admin")
    body = client.post(
        "/web/verifications/preview",
        json={
            "instrument_id": res.json()["id"],
            "points": [{"reference": "20", "indicated": "20,061"}],  # litres, as typed
        },
    ).json()
    assert (body["unit"], body["points"][0]["mpe"], body["points"][0]["passed"]) == (
        "mL",
        60,
        False,
    )


def test_preview_is_scoped_and_needs_a_session(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    points = {"instrument_id": iid, "points": [{"reference": "0,5", "indicated": "0,5"}]}
    assert client.post("/web/verifications/preview", json=points).status_code == 401
    login(client, db, "inspector_b")
    refused = client.post("/web/verifications/preview", json=points)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_record_a_passing_verification_and_print_its_stamp(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    login(client, db, "inspector_a")
    form = client.get(f"/web/instruments/{iid}/verify")
    assert form.status_code == 200
    data = {
        "csrf": csrf_of(form.text),
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "reference": ["0,5", "7,5", "15", ""],  # kg, the unit of the scale's Max
        "indicated": ["0,525", "7,45", "15,075", ""],
    }
    res = client.post(f"/web/instruments/{iid}/verify", data=data, follow_redirects=False)
    assert res.status_code == 303, res.text
    page = client.get(res.headers["location"])
    assert 'data-result="pass"' in page.text
    assert 'id="print-stamp"' in page.text
    sheet_url = page.text.split('id="print-stamp" href="')[1].split('"')[0]
    pdf = client.get(sheet_url)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    stored = db.get(Instrument, iid)
    assert stored is not None
    db.refresh(stored)
    assert str(stored.due_date) == "2028-11-02"


def test_a_failing_verification_offers_no_stamp(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    token = login(client, db, "admin")
    data = {
        "csrf": token,
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "reference": ["0,5"],
        "indicated": ["0,56"],
    }
    res = client.post(f"/web/instruments/{iid}/verify", data=data)
    assert res.status_code == 200
    assert 'data-result="fail"' in res.text
    assert 'id="print-stamp"' not in res.text


def test_invalid_entries_come_back_with_messages(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    token = login(client, db, "admin")
    data: dict[str, str | list[str]] = {
        "csrf": token,
        "kind": "periodic",
        "verified_on": "2099-01-01",
        "verifier": "KĐV A",
    }
    data |= {"procedure": "ĐLVN 30:2019", "reference": ["0,5"], "indicated": ["0,525"]}
    res = client.post(f"/web/instruments/{iid}/verify", data=data)
    assert res.status_code == 422
    assert 'id="e-verified_on">Ngày kiểm định ở tương lai.' in res.text
    none = client.post(f"/web/instruments/{iid}/verify", data={**data, "reference": [""]})
    assert none.status_code == 422
    assert 'id="e-points"' in none.text


def test_viewers_and_other_districts_cannot_record(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    data = {"kind": "periodic", "verified_on": "2026-11-02", "verifier": "KĐV A"}
    data |= {"procedure": "ĐLVN 30:2019", "reference": "0,5", "indicated": "0,525"}
    for role in ("viewer", "inspector_b"):
        token = login(client, db, role)
        assert client.get(f"/web/instruments/{iid}/verify").status_code == 403
        res = client.post(f"/web/instruments/{iid}/verify", data={**data, "csrf": token})
        assert res.status_code == 403, role
    login(client, db, "admin")
    assert client.post(f"/web/instruments/{iid}/verify", data=data).status_code == 403  # no CSRF
    assert (
        client.get(f"/api/v1/instruments/{iid}/verifications", headers=world.auth("admin")).json()
        == []
    )


def test_the_result_page_shows_each_rule_and_an_incomplete_set_names_what_is_missing(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    token = login(client, db, "inspector_a")
    data = {
        "csrf": token,
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "reference": ["0,5", "15"],  # no load near half of Max
        "indicated": ["0,525", "15,075"],
    }
    res = client.post(f"/web/instruments/{iid}/verify", data=data, follow_redirects=False)
    assert res.status_code == 303, res.text
    page = client.get(res.headers["location"]).text
    assert 'data-result="incomplete"' in page
    assert "Chưa đủ điểm kiểm" in page
    assert 'data-label="½ Max"' in page
    assert "Chưa có điểm kiểm ở mức tải bắt buộc ½ Max (6000 … 9000 g)." in page
    assert 'id="print-stamp"' not in page
    # each point; the rule's version date as the pages write dates
    assert page.count("ĐLVN 30:2019 / R 76 bảng 6, phiên bản 15/11/2013") == 2
    assert "Chu kỳ kiểm định" not in page.split('id="cycle-rule">')[1].split("</dd>")[0]
    assert "Mức tải thử bắt buộc khi kiểm định, phiên bản 15/11/2013" in page
    english = client.get(res.headers["location"], params={"lang": "en"}).text
    assert "No point at the required load ½ Max (6000 … 9000 g)." in english
    instrument = db.get(Instrument, iid)
    assert instrument is not None
    db.refresh(instrument)
    assert (instrument.status, instrument.due_date) == ("registered", None)


def test_a_passing_page_shows_the_cycle_rule(client: TestClient, db: Session, world: World) -> None:
    iid = _scale(client, world)
    token = login(client, db, "inspector_a")
    data = {
        "csrf": token,
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "reference": ["0,5", "7,5", "15"],
        "indicated": ["0,525", "7,45", "15,075"],
    }
    res = client.post(f"/web/instruments/{iid}/verify", data=data, follow_redirects=False)
    page = client.get(res.headers["location"]).text
    cycle = page.split('id="cycle-rule">')[1].split("</dd>")[0]
    assert cycle == "Chu kỳ kiểm định (TT 23/2013/TT-BKHCN và sửa đổi), phiên bản 15/10/2024"


def test_preview_judges_the_set_on_the_forms_date(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    login(client, db, "inspector_a")
    url = "/web/verifications/preview"
    two = [{"reference": "0,5", "indicated": "0,525"}, {"reference": "15", "indicated": "15,075"}]
    body = client.post(url, json={"instrument_id": iid, "points": two}).json()
    assert (body["result"], body["passed"]) == ("incomplete", False)
    assert body["missing"] == ["Chưa có điểm kiểm ở mức tải bắt buộc ½ Max (6000 … 9000 g)."]
    assert body["points"][0]["mpe_rule"] == "ĐLVN 30:2019 / R 76 bảng 6, phiên bản 2013-11-15"
    three = [*two, {"reference": "7,5", "indicated": "7,45"}]
    body = client.post(url, json={"instrument_id": iid, "points": three}).json()
    assert (body["result"], body["passed"], body["missing"]) == ("pass", True, [])
    early = {"instrument_id": iid, "verified_on": "2013-11-14", "points": three}
    body = client.post(url, json=early).json()
    assert body["result"] is None
    assert all("2013" in p["message"] for p in body["points"])  # no rule in force then
    above = [{"reference": "16", "indicated": "16"}]
    body = client.post(url, json={"instrument_id": iid, "points": above}, params={"lang": "en"})
    assert body.json()["points"][0]["message"].startswith("Point 1: the load 16000 g is above Max")


def test_preview_names_implausible_instrument_data(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    stored = db.get(Instrument, iid)
    assert stored is not None
    stored.max_g = 2000  # n = 40: below class IIII's 100
    db.commit()
    login(client, db, "inspector_a")
    points = [{"reference": "0,5", "indicated": "0,5"}]
    body = client.post(
        "/web/verifications/preview", json={"instrument_id": iid, "points": points}
    ).json()
    assert body["message"].startswith("n = Max/e = 40 nằm ngoài khoảng 100 … 1000 của cấp IIII")
    assert (body["points"], body["result"]) == ([], None)
