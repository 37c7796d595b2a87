"""Measurement checks made offline: a batch stores each check once, judged; resends answer
duplicate with the stored verdict; a bad check is rejected with its reason, the rest kept."""

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.core.clock import utcnow
from metrology_svc.inspections.models import Inspection
from metrology_svc.measurement_checks.models import MeasurementCheck
from tests.factories import World
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.stamps.support import API


def sync(
    client: TestClient,
    world: World,
    inspection_id: int,
    items: list[Any],
    role: str = "inspector_a",
) -> Any:
    return client.post(
        f"{API}/inspections/{inspection_id}/measurement-checks/sync",
        json={"items": items},
        headers=world.auth(role),
    )


def retail(**extra: Any) -> dict[str, Any]:
    return {
        "client_uuid": str(uuid.uuid4()),
        "kind": "retail_weighing",
        "goods": "thịt lợn",
        "declared": 1000,
        "measured": 1000,
        **extra,
    }


def stored(db: Session, inspection_id: int) -> list[MeasurementCheck]:
    db.expire_all()
    stmt = select(MeasurementCheck).where(MeasurementCheck.inspection_id == inspection_id)
    return list(db.exec(stmt).all())


def test_a_batch_is_stored_once_and_a_resend_answers_duplicate(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)
    items = [retail(), retail(goods="cá", declared=500, measured=502)]
    first = sync(client, world, insp["id"], items)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()] == ["created", "created"]
    assert all(r["verdict"] == "within" for r in first.json())
    again = sync(client, world, insp["id"], items)
    assert [r["status"] for r in again.json()] == ["duplicate", "duplicate"]
    assert [r["check_id"] for r in again.json()] == [r["check_id"] for r in first.json()]
    assert len(stored(db, insp["id"])) == 2


def test_a_bad_check_is_rejected_and_the_rest_kept(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)
    good = retail()
    items: list[Any] = [
        {"kind": "retail_weighing", "declared": "nan", "measured": 1, "client_uuid": "x"},
        retail(client_uuid=None),
        "not an object",
        good,
        retail(declared=10**6),  # 1 t of pork on a market scale: out of plausible range
    ]
    r = sync(client, world, insp["id"], items)
    assert r.status_code == 200, r.text
    results = r.json()
    assert [x["status"] for x in results] == [
        "rejected",
        "rejected",
        "rejected",
        "created",
        "rejected",
    ]
    assert all(x["message_vi"] for x in results if x["status"] == "rejected")
    assert results[1]["message_vi"].startswith("Phép đo gửi từ hiện trường")
    assert [c.client_uuid for c in stored(db, insp["id"])] == [good["client_uuid"]]


def test_scope_closed_inspection_and_another_inspections_uuid(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)
    other = open_inspection(client, world)
    item = retail()
    assert sync(client, world, insp["id"], [item], role="inspector_b").status_code == 403
    assert sync(client, world, insp["id"], [item], role="viewer").status_code == 403
    assert sync(client, world, 10**6, [item]).status_code == 404
    assert sync(client, world, insp["id"], [item]).json()[0]["status"] == "created"
    # The same UUID sent for another inspection is not silently taken as a resend.
    clash = sync(client, world, other["id"], [item]).json()[0]
    assert clash["status"] == "rejected"
    assert "cuộc kiểm tra khác" in clash["message_vi"]
    # Closed: a resend still answers with the stored check; a new check is refused.
    inspection = db.get(Inspection, insp["id"])
    assert inspection is not None
    inspection.closed_at = utcnow()
    db.add(inspection)
    db.commit()
    resend, new = sync(client, world, insp["id"], [item, retail()]).json()
    assert resend["status"] == "duplicate"
    assert new["status"] == "rejected"
    assert "đã kết thúc" in new["message_vi"]
    assert len(stored(db, insp["id"])) == 1


def test_batch_limits_are_refused_whole(client: TestClient, world: World) -> None:
    insp = open_inspection(client, world)
    assert sync(client, world, insp["id"], []).status_code == 422
    assert sync(client, world, insp["id"], [retail() for _ in range(201)]).status_code == 422
    anonymous = client.post(
        f"{API}/inspections/{insp['id']}/measurement-checks/sync", json={"items": [retail()]}
    )
    assert anonymous.status_code == 401
