"""Creating and changing a site leaves an audit record with what was set."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import last_audited

API = "/api/v1/sites"


def test_create_and_update_are_audited_with_their_fields(
    client: TestClient, world: World, db: Session
) -> None:
    body = {"kind": "market", "name": "Chợ Hoành Sơn", "unit_code": "18754", "latitude": 18.05}
    r = client.post(API, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    site_id = r.json()["id"]
    made = last_audited(db, "site.create")
    assert (made.entity, made.entity_id, made.actor) == ("site", site_id, "Test inspector_a")
    assert made.detail["name"] == "Chợ Hoành Sơn"
    assert (made.detail["unit"], made.detail["latitude"]) == ("2025:18754", 18.05)

    r = client.patch(
        f"{API}/{site_id}", json={"address": "Đường Lê Lợi"}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    changed = last_audited(db, "site.update")
    assert (changed.entity, changed.entity_id) == ("site", site_id)
    assert changed.detail == {"address": "Đường Lê Lợi"}  # only what changed
