"""Numbers typed into the forms: read the Vietnamese way, exact, and refused when not certain."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.instruments.models import Instrument
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.web.conftest import csrf_of, login

SCALE = {
    "type_code": "scale_spring_dial",
    "serial": "LX-9001",
    "manufacturer": "Nhơn Hòa",
    "accuracy_class": "IIII",
    "role": "trade",
}


def _new(client: TestClient, world: World, token: str, lang: str = "vi", **fields: str) -> Any:
    data = {**SCALE, "owner_id": str(world.owner_vi), "site_id": str(world.market_a), **fields}
    return client.post(
        f"/web/instruments/new?lang={lang}", data={**data, "csrf": token}, follow_redirects=False
    )


def _stored(db: Session, res: Any) -> Instrument:
    assert res.status_code == 303, res.text
    found = db.get(Instrument, int(res.headers["location"].split("/")[3].split("?")[0]))
    assert found is not None
    return found


def test_the_instrument_form_reads_vietnamese_numbers_and_units(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "admin")
    page = client.get("/web/instruments/new")
    assert 'id="number-hint"' in page.text
    assert 'id="f-max_g" name="max_g" type="text" value="" inputmode="decimal"' in page.text
    one = _stored(db, _new(client, world, token, max_g="15.000", e_g="50", d_g="0,05 kg"))
    assert (one.max_g, one.e_g, one.d_g) == (15000, 50, 50)
    two = _new(client, world, token, serial="LX-9002", max_g="15 kg", e_g="5 g", d_g="0,5")
    assert (_stored(db, two).max_g, _stored(db, two).d_g) == (15000, 0.5)


def test_infinity_and_nan_typed_into_the_form_are_refused_in_both_languages(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "admin")
    vi = _new(client, world, token, max_g="15000", e_g="inf", d_g="NaN")
    assert vi.status_code == 422
    assert 'id="e-e_g">“inf” không phải là một số hữu hạn.' in vi.text
    assert 'id="e-d_g">“NaN” không phải là một số hữu hạn.' in vi.text
    en = _new(client, world, token, lang="en", max_g="15000", e_g="Infinity")
    assert 'id="e-e_g">“Infinity” is not a finite number.' in en.text
    assert db.exec(select(Instrument).where(Instrument.serial == "LX-9001")).first() is None


def test_an_ambiguous_max_comes_back_with_both_readings(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "admin")
    res = _new(client, world, token, max_g="15.000 kg", e_g="50", d_g="1.5")
    assert res.status_code == 422
    max_error = res.text.split('id="e-max_g">')[1].split("</p>")[0]
    assert "15\u00a0000 kg" in max_error  # thousands
    assert "15 kg" in max_error  # decimals
    assert "Không đoán" in max_error
    d_error = res.text.split('id="e-d_g">')[1].split("</p>")[0]
    assert "kiểu Anh" in d_error
    assert "1,5" in d_error
    assert 'value="15.000 kg"' in res.text  # what was typed stays
    litres = _new(
        client, world, token, type_code="fuel_dispenser", qmin_lpm="5", qmax_lpm="50 L/min",
        mmq_l="2.000",
    )  # fmt: skip
    assert 'id="e-mmq_l">“2.000” có thể là 2000 L' in litres.text


def test_the_edit_form_shows_numbers_that_read_back_the_same(
    client: TestClient, db: Session, world: World
) -> None:
    body = {**spring_scale(world), "e_g": 0.5, "d_g": 0.1}
    created = client.post("/api/v1/instruments", json=body, headers=world.auth("admin"))
    iid = created.json()["id"]
    login(client, db, "admin")
    form = client.get(f"/web/instruments/{iid}/edit")
    assert 'value="15\u00a0000"' in form.text
    assert 'value="0,5"' in form.text
    data = {
        k: form.text.split(f'name="{k}" type="text" value="')[1].split('"')[0]
        for k in ("max_g", "e_g", "d_g", "model", "accuracy_class")
    }
    data |= {"owner_id": str(world.owner_vi), "site_id": str(world.market_a), "role": "trade"}
    res = client.post(f"/web/instruments/{iid}/edit", data={**data, "csrf": csrf_of(form.text)})
    assert res.status_code == 200, res.text  # followed to the detail page
    stored = db.get(Instrument, iid)
    assert stored is not None
    db.refresh(stored)
    assert (stored.max_g, stored.e_g, stored.d_g) == (15000, 0.5, 0.1)


def _scale(client: TestClient, world: World, **fields: Any) -> int:
    res = client.post(
        "/api/v1/instruments", json={**spring_scale(world), **fields}, headers=world.auth("admin")
    )
    assert res.status_code == 201, res.text
    iid: int = res.json()["id"]
    return iid


def _verify(client: TestClient, iid: int, token: str, **points: list[str]) -> Any:
    data: dict[str, Any] = {
        "csrf": token,
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        **points,
    }
    return client.post(f"/web/instruments/{iid}/verify", data=data, follow_redirects=False)


def test_verification_points_are_typed_in_kg_and_stored_exactly_in_grams(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    token = login(client, db, "inspector_a")
    page = client.get(f"/web/instruments/{iid}/verify").text
    assert "(kg)</legend>" in page
    assert '<span class="unit">kg</span>' in page
    assert 'name="reference" inputmode="decimal"' in page
    res = _verify(
        client, iid, token, reference=["0,5", "15", "7500 g"], indicated=["0,525", "15,075", "7,55"]
    )  # Min, Max and ½ Max: the loads ĐLVN 30:2019 requires
    assert res.status_code == 303, res.text
    stored = client.get(
        f"/api/v1/instruments/{iid}/verifications", headers=world.auth("admin")
    ).json()
    assert [(p["reference"], p["indicated"], p["unit"]) for p in stored[0]["points"]] == [
        (500, 525, "g"),
        (15000, 15075, "g"),
        (7500, 7550, "g"),
    ]
    result = client.get(res.headers["location"]).text
    assert "15\u00a0000 g" in result


def test_a_display_reading_typed_with_a_point_is_refused_with_both_readings(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    token = login(client, db, "inspector_a")
    res = _verify(client, iid, token, reference=["15.000"], indicated=["15.080"])
    assert res.status_code == 422
    ref_error = res.text.split('id="e-reference-0">')[1].split("</p>")[0]
    assert "15\u00a0000 kg" in ref_error
    assert "15 kg" in ref_error
    ind_error = res.text.split('id="e-indicated-0">')[1].split("</p>")[0]
    assert "15\u00a0080 kg" in ind_error
    assert "15,08 kg" in ind_error
    assert 'value="15.080"' in res.text
    assert 'id="e-points"' in res.text
    history = client.get(f"/api/v1/instruments/{iid}/verifications", headers=world.auth("admin"))
    assert history.json() == []  # nothing recorded
    inf = _verify(client, iid, token, reference=["15"], indicated=["inf"])
    assert inf.status_code == 422
    assert "không phải là một số hữu hạn" in inf.text


def test_a_small_scale_takes_grams_and_a_dispenser_litres(
    client: TestClient, db: Session, world: World
) -> None:
    small = _scale(client, world, serial="LX-0500", max_g=500, e_g=1, d_g=1, accuracy_class="III")
    pump = client.post("/api/v1/instruments", json=dispenser(world), headers=world.auth("admin"))
    login(client, db, "admin")
    assert "(g)</legend>" in client.get(f"/web/instruments/{small}/verify").text
    assert "(L)</legend>" in client.get(f"/web/instruments/{pump.json()['id']}/verify").text
    body = {"instrument_id": small, "points": [{"reference": "200", "indicated": "200,050"}]}
    judged = client.post("/web/verifications/preview", json=body).json()
    assert (judged["entry_unit"], judged["points"][0]["error"]) == ("g", 0.05)
    assert judged["points"][0]["error_text"] == "0,05 g"


def test_the_preview_reports_an_ambiguous_point_instead_of_judging_it(
    client: TestClient, db: Session, world: World
) -> None:
    iid = _scale(client, world)
    login(client, db, "inspector_a")
    points = [
        {"reference": "15", "indicated": "15.080"},
        {"reference": "15", "indicated": "15,080"},
        {"reference": "15", "indicated": "NaN"},
        {"reference": "-1", "indicated": "0"},
    ]
    res = client.post("/web/verifications/preview", json={"instrument_id": iid, "points": points})
    assert res.status_code == 200, res.text
    out = res.json()["points"]
    assert not out[0]["ok"]
    assert "15\u00a0080 kg" in out[0]["message"]
    assert "15,08 kg" in out[0]["message"]
    assert (out[1]["ok"], out[1]["error"], out[1]["mpe_text"]) == (True, 80, "75 g")
    assert not out[2]["ok"]
    assert "hữu hạn" in out[2]["message"]
    assert not out[3]["ok"]  # a negative load: the API's own bound, as a message
    assert res.json()["passed"] is False
    literal = client.post(
        "/web/verifications/preview",
        content=f'{{"instrument_id": {iid}, "points": [{{"reference": NaN, "indicated": 1}}]}}',
        headers={"content-type": "application/json"},
    )
    assert literal.status_code == 422
    assert literal.json()["error"]["details"][0]["loc"] == ["body", "points", 0, "reference"]
