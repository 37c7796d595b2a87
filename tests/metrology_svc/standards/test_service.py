"""Registering a reference standard leaves an audit record with its fields."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import last_audited


def test_a_new_standard_is_audited(client: TestClient, world: World, db: Session) -> None:
    body = {"code": "M1-AUDIT", "name": "Quả cân chuẩn M1 20 kg"}
    r = client.post("/api/v1/standards", json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    record = last_audited(db, "standard.create")
    assert (record.entity, record.entity_id) == ("reference_standard", r.json()["id"])
    assert (record.detail["code"], record.detail["name"]) == ("M1-AUDIT", "Quả cân chuẩn M1 20 kg")
