"""A draft plan's creation, changes and targets are each audited with what they set."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.inspection_plans.support import PLANS, add_targets, create_plan
from tests.metrology_svc.stamps.support import freeze


def test_a_draft_plan_is_audited_step_by_step(
    client: TestClient, world: World, db: Session
) -> None:
    freeze(client, date(2027, 1, 15))
    admin = world.auth("admin")
    plan = create_plan(client, world, units=("18754",))
    made = last_audited(db, "inspection_plan.create")
    assert (made.entity, made.entity_id, made.actor) == (
        "inspection_plan",
        plan["id"],
        "Test admin",
    )
    assert (made.detail["year"], made.detail["unit_codes"]) == (2027, ["18754"])
    assert (made.detail["period_from"], made.detail["state"]) == ("2027-01-01", "draft")

    r = client.patch(f"{PLANS}/{plan['id']}", json={"content": "Nội dung mới"}, headers=admin)
    assert r.status_code == 200, r.text
    changed = last_audited(db, "inspection_plan.update")
    assert (changed.entity_id, changed.detail) == (plan["id"], {"content": "Nội dung mới"})

    targets: list[dict[str, Any]] = [
        {"site_id": world.market_a, "month": 1},
        {"site_id": world.station_a, "window_from": "2027-03-01", "window_to": "2027-03-15"},
    ]
    added = add_targets(client, world, plan["id"], targets)
    records = audited(db, "inspection_plan.target_add")
    assert [(r.entity, r.entity_id) for r in records] == [
        ("inspection_plan_target", t["id"]) for t in added
    ]
    assert records[0].detail["window_from"] == "2027-01-01"
    assert records[1].detail == {
        "plan_id": plan["id"],
        "site_id": world.station_a,
        "window_from": "2027-03-01",
        "window_to": "2027-03-15",
        "note": "",
    }

    r = client.delete(f"{PLANS}/{plan['id']}/targets/{added[0]['id']}", headers=admin)
    assert r.status_code == 204, r.text
    removed = last_audited(db, "inspection_plan.target_remove")
    assert (removed.entity, removed.entity_id) == ("inspection_plan_target", added[0]["id"])
    assert removed.detail["site_id"] == world.market_a
