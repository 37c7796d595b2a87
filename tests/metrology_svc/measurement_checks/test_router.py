"""Measurement checks over HTTP: record, judge, list; scope, closed inspections, bad input."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.core.clock import utcnow
from metrology_svc.inspections.models import Inspection
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.measurement_checks.repository import MeasurementCheckRepository
from metrology_svc.rulebook.shipped import shipped_versions
from tests.factories import World, dispenser
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.stamps.support import API, new_scale


def url(inspection_id: int) -> str:
    return f"{API}/inspections/{inspection_id}/measurement-checks"


def post(
    client: TestClient,
    world: World,
    inspection_id: int,
    body: dict[str, Any],
    role: str = "inspector_a",
) -> Any:
    return client.post(url(inspection_id), json=body, headers=world.auth(role))


def retail(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "retail_weighing",
        "goods": "thịt lợn",
        "declared": 1000,
        "measured": 950,
        **extra,
    }


def load_binding_shortfall(client: TestClient, world: World) -> None:
    """Load, as an office would, a binding permitted-shortfall table from 01/01/2026."""
    rows = [dict(r) for r in next(v for v in shipped_versions() if v.code == "shortfall").rows]
    body = {
        "code": "shortfall",
        "effective_from": "2026-01-01",
        "status": "sourced",
        "binding": True,
        "source": "QĐ thử nghiệm 1/2026 (binding table for the test)",
        "rows": rows,
    }
    r = client.post(f"{API}/rules", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text


def test_retail_check_is_recorded_with_its_rule_and_listed(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)
    scale = new_scale(client, world)  # 15 kg spring scale, d = 50 g
    r = post(client, world, insp["id"], retail(instrument_id=scale))
    assert r.status_code == 201, r.text
    c = r.json()
    # No binding shortfall table is loaded: 50 g missing is recorded, nobody is called short;
    # the scale's d = 50 g is coarser than Table 1's 20 g for 1000 g of goods.
    assert (c["verdict"], c["violation_proposed"], c["unit"]) == ("unsuitable_scale", False, "g")
    assert (c["shortfall"], c["permitted_deviation"]) == (50, None)
    assert (c["scale_interval_g"], c["allowed_interval_g"], c["scale_suitable"]) == (50, 20, False)
    assert (c["rule_code"], c["rule_binding"], c["rule_effective_from"]) == (
        "shortfall",
        False,
        "2013-11-15",
    )
    assert "R 87" in c["rule_source"]
    assert (c["scale_rule_code"], c["scale_rule_effective_from"]) == (
        "retail_division",
        "2017-08-15",
    )
    assert c["rule_table_id"] is not None
    assert "không kết luận người bán cân thiếu" in c["reason_vi"]
    assert c["checked_on"] == "2026-11-22"
    listed = client.get(url(insp["id"]), headers=world.auth("viewer"))
    assert [x["id"] for x in listed.json()] == [c["id"]]
    stored = MeasurementCheckRepository(db).of_inspection(insp["id"])
    assert [s.verdict for s in stored] == ["unsuitable_scale"]


def test_retail_short_only_under_a_binding_table(client: TestClient, world: World) -> None:
    insp = open_inspection(client, world)
    before = post(client, world, insp["id"], retail()).json()
    assert before["verdict"] == "no_binding_rule"
    load_binding_shortfall(client, world)
    # 500 g < 1000 g ≤ 1000 g: 15 g permitted; 50 g missing → short, a violation proposed.
    after = post(client, world, insp["id"], retail()).json()
    assert (after["verdict"], after["violation_proposed"], after["permitted_deviation"]) == (
        "short",
        True,
        15,
    )
    assert (after["rule_binding"], after["rule_effective_from"]) == (True, "2026-01-01")
    assert "QĐ thử nghiệm" in after["rule_source"]
    within = post(client, world, insp["id"], retail(measured=985)).json()
    assert (within["verdict"], within["violation_proposed"]) == ("within", False)


def test_petrol_check_at_a_fuel_station(client: TestClient, world: World) -> None:
    insp = open_inspection(client, world, site_id=world.station_a)
    r = client.post(f"{API}/instruments", json=dispenser(world), headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    body = {"kind": "petrol_delivery", "goods": "RON 95-III", "instrument_id": r.json()["id"]}
    # 20 L × 0.45 / 100 = 0.09 L permitted; 0.10 L missing → short.
    short = post(client, world, insp["id"], {**body, "declared": 20, "measured": 19.9}).json()
    assert (short["verdict"], short["unit"], short["violation_proposed"]) == ("short", "L", True)
    assert short["permitted_deviation"] == pytest.approx(0.09)
    assert short["rule_code"] == "dispenser_mpe"
    assert short["rule_effective_from"] == "2016-04-01"
    ok = post(client, world, insp["id"], {**body, "declared": 20, "measured": 19.93}).json()
    assert ok["verdict"] == "within"


def test_gold_check_records_the_scale_and_judges_both_tables(
    client: TestClient, world: World
) -> None:
    insp = open_inspection(client, world)
    body = {
        "kind": "gold_measurement",
        "goods": "nhẫn tròn 1 lượng",
        "scale_max_g": 200,
        "scale_interval_g": 0.001,
    }
    # 37.5 g: step up to the 50 g row, 17 mg; 20 mg missing → short.
    c = post(client, world, insp["id"], {**body, "declared": 37.5, "measured": 37.48}).json()
    assert (c["verdict"], c["scale_suitable"], c["scale_max_g"]) == ("short", True, 200)
    assert c["permitted_deviation"] == pytest.approx(0.017)
    assert (c["rule_code"], c["scale_rule_code"]) == ("gold_limit", "gold_division")
    # The spring scale (Max 15 kg, e = 50 g) from the registry: Table 1 allows e ≤ 1000 mg.
    scale = new_scale(client, world)
    u = post(
        client,
        world,
        insp["id"],
        {"kind": "gold_measurement", "declared": 37.5, "measured": 37.5, "instrument_id": scale},
    ).json()
    assert (u["verdict"], u["scale_max_g"], u["scale_interval_g"], u["allowed_interval_g"]) == (
        "unsuitable_scale",
        15000,
        50,
        1,
    )


def test_a_resend_is_stored_once(client: TestClient, world: World, db: Session) -> None:
    insp = open_inspection(client, world)
    body = retail(client_uuid=str(uuid.uuid4()))
    first, second = (post(client, world, insp["id"], body) for _ in range(2))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert len(db.exec(select(MeasurementCheck)).all()) == 1
    other = open_inspection(client, world)
    assert post(client, world, other["id"], body).status_code == 409
    assert post(client, world, insp["id"], body, role="inspector_b").status_code == 403
    # The phone syncs again after the inspection closed: the stored check is the answer.
    inspection = db.get(Inspection, insp["id"])
    assert inspection is not None
    inspection.closed_at = utcnow()
    db.commit()
    late = post(client, world, insp["id"], body)
    assert (late.status_code, late.json()["id"]) == (201, first.json()["id"])
    assert post(client, world, insp["id"], retail(client_uuid=str(uuid.uuid4()))).status_code == 409


def test_scope_roles_and_closed_inspections(client: TestClient, world: World, db: Session) -> None:
    insp = open_inspection(client, world)
    assert post(client, world, insp["id"], retail(), role="inspector_b").status_code == 403
    assert post(client, world, insp["id"], retail(), role="viewer").status_code == 403
    assert post(client, world, insp["id"], retail(), role="admin").status_code == 201
    assert client.get(url(insp["id"]), headers=world.auth("inspector_b")).status_code == 403
    assert client.get(url(insp["id"])).status_code == 401
    assert post(client, world, 999_999, retail()).status_code == 404
    # Closed as the minutes close it (the close route's own conditions are not this test's).
    inspection = db.get(Inspection, insp["id"])
    assert inspection is not None
    inspection.closed_at = utcnow()
    db.commit()
    closed = post(client, world, insp["id"], retail())
    assert closed.status_code == 409
    assert "đã kết thúc" in closed.json()["error"]["message_vi"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (retail(declared=-5), "declared"),
        (retail(measured=0), "measured"),
        (retail(declared="NaN"), "declared"),
        (retail(declared="Infinity"), "declared"),
        (retail(declared=1e300), "declared"),
        (retail(declared=500_000), "declared"),  # 500 kg at a market stall: a unit slip
        (retail(measured=1.1234567), "measured"),
        (retail(goods=" "), "goods"),
        (retail(kind="diamond"), "kind"),
        (retail(instrument_id=2**40), "instrument_id"),
        (retail(instrument_id=999_999), "instrument_id"),
        ({"kind": "petrol_delivery", "declared": 20_000, "measured": 20_000}, "declared"),
        ({"kind": "gold_measurement", "declared": 37.5, "measured": 37.5}, "scale_interval_g"),
        (
            {
                "kind": "gold_measurement",
                "declared": 1,
                "measured": 1,
                "scale_max_g": 1,
                "scale_interval_g": 2,
            },
            "scale_interval_g",
        ),
        (
            {
                "kind": "gold_measurement",
                "declared": 1,
                "measured": 1,
                "scale_max_g": 1e7,
                "scale_interval_g": 1,
            },
            "scale_max_g",
        ),
    ],
)
def test_bad_input_is_refused_in_both_languages(
    client: TestClient, world: World, body: dict[str, Any], where: str
) -> None:
    insp = open_inspection(client, world)
    r = post(client, world, insp["id"], body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"]
    assert error["message_vi"]
    assert where in str(error["details"])


def test_an_instrument_of_the_wrong_kind_or_site_is_refused(
    client: TestClient, world: World
) -> None:
    station = open_inspection(client, world, site_id=world.station_a)
    pump = client.post(
        f"{API}/instruments", json=dispenser(world), headers=world.auth("admin")
    ).json()["id"]
    wrong_kind = post(client, world, station["id"], retail(instrument_id=pump))
    assert wrong_kind.status_code == 422
    assert "dùng cân" in wrong_kind.json()["error"]["message_vi"]
    insp = open_inspection(client, world)
    elsewhere = new_scale(client, world, serial="LX-0002", site_id=world.market_b)
    wrong_site = post(client, world, insp["id"], retail(instrument_id=elsewhere))
    assert wrong_site.status_code == 422
    assert "không thuộc địa điểm" in wrong_site.json()["error"]["message_vi"]
    bad_path = client.get(
        f"{API}/inspections/{2**40}/measurement-checks", headers=world.auth("admin")
    )
    assert bad_path.status_code == 422
