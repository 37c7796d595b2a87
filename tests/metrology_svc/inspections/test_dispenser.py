"""Fuel dispensers in service are judged with the in-service percentage from the settings."""

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from metrology_svc.settings import Settings
from tests.factories import World, dispenser
from tests.metrology_svc.inspections.support import finding, instrument, open_inspection, sync
from tests.metrology_svc.stamps.support import API, freeze, verify


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Verification at ±0.3 %, in service at ±0.5 % (the in-service value is a setting)."""
    return Settings(
        data_dir=tmp_path, stamp_key_dir=tmp_path / "keys", dispenser_in_service_mpe_percent=0.5
    )


def test_dispenser_uses_the_in_service_percentage(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    r = client.post(f"{API}/instruments", json=dispenser(world), headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    verify(client, world, iid, points=[{"reference": 20000, "indicated": 20010}])
    insp = open_inspection(client, world, site_id=world.station_a)
    # 80 mL on 20 L is beyond 0.3 % (60 mL) but within 0.5 % (100 mL).
    within = [{"reference": 20000, "indicated": 20080}]
    beyond = [{"reference": 20000, "indicated": 19899}]
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
    assert instrument(client, world, iid)["status"] == "failed"
    stored = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("admin")).json()
    assert stored["findings"][0]["points"][0]["mpe"] == 100.0
