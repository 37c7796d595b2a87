"""Creating a unit leaves an audit record naming the unit and where it sits."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import last_audited


def test_a_new_unit_is_audited(client: TestClient, world: World, db: Session) -> None:
    body = {"code": "99001", "name": "Xã Thử", "level": "commune", "parent_code": "42"}
    r = client.post("/api/v1/units", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    record = last_audited(db, "unit.create")
    assert (record.entity, record.entity_id, record.actor) == (
        "admin_unit",
        r.json()["id"],
        "Test admin",
    )
    assert record.detail["code"] == "99001"
    assert (record.detail["name"], record.detail["path"]) == ("Xã Thử", "42/99001/")
    assert record.detail["parent_id"] == world.unit_ids["42"]
