"""GET /api/v1/audit: administrators read the chain, filtered by entity; nobody else does."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.audit.service import audit
from tests.factories import ADMIN, World

API = "/api/v1/audit"


def test_admin_lists_newest_first_and_filters_by_entity(
    client: TestClient, world: World, db: Session
) -> None:
    # The world's accounts are already in the chain (user.create): n records before ours.
    n = client.get(API, headers=world.auth("admin")).json()["total"]
    for entity, entity_id in [("instrument", 1), ("stamp", 1), ("instrument", 2)]:
        audit(db, actor=ADMIN, action=f"{entity}.x", entity=entity, entity_id=entity_id)
    db.commit()
    r = client.get(API, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == n + 3
    assert [i["seq"] for i in body["items"]][:3] == [n + 3, n + 2, n + 1]
    assert body["items"][0]["prev_hash"] == body["items"][1]["hash"]
    r = client.get(API, params={"entity": "instrument"}, headers=world.auth("admin"))
    assert [i["entity_id"] for i in r.json()["items"]] == [2, 1]
    r = client.get(
        API, params={"entity": "instrument", "entity_id": 1}, headers=world.auth("admin")
    )
    assert [(i["seq"], i["actor"]) for i in r.json()["items"]] == [(n + 1, "system")]


def test_only_admins_read_the_audit(client: TestClient, world: World) -> None:
    for role in ("viewer", "inspector_a"):
        assert client.get(API, headers=world.auth(role)).status_code == 403
    assert client.get(API).status_code == 401
