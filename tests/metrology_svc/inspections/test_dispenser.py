"""Fuel dispensers in service are judged at the rulebook's 1.5 × the meter MPE (0.45 %)."""

from datetime import date

from fastapi.testclient import TestClient

from tests.factories import World, dispenser
from tests.metrology_svc.inspections.support import finding, instrument, open_inspection, sync
from tests.metrology_svc.stamps.support import API, freeze, verify


def test_dispenser_uses_the_in_service_percentage(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    r = client.post(f"{API}/instruments", json=dispenser(world), headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    verify(client, world, iid, points=[{"reference": 20000, "indicated": 20010}])
    insp = open_inspection(client, world, site_id=world.station_a)
    # 80 mL on 20 L is beyond 0.3 % (60 mL) but within 0.45 % (90 mL, Circular 15/2015).
    within = [{"reference": 20000, "indicated": 20080}]
    beyond = [{"reference": 20000, "indicated": 19909}]
    result = sync(
        client,
        world,
        insp["id"],
        [
            finding("error_beyond_mpe", instrument_id=iid, points=within),
            finding("error_beyond_mpe", instrument_id=iid, points=beyond),
        ],
    )
    assert [i["status"] for i in result["items"]] == ["rejected", "created"]
    # Beyond the in-service limit suspends (issue 16; it used to mark the instrument failed).
    assert instrument(client, world, iid)["status"] == "suspended"
    stored = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("admin")).json()
    point = stored["findings"][0]["points"][0]
    assert point["mpe"] == 90.0
    assert point["rule"] == "ĐLVN 10 / TT 15/2015 (cột đo), phiên bản 2016-04-01"
    assert isinstance(point["rule_id"], int)
