"""A measurement check is audited once, with its figures and verdict, sent online or offline."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.measurement_checks.test_sync import retail, sync
from tests.metrology_svc.stamps.support import API


def test_a_check_sent_online_is_audited_with_its_figures(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)["id"]
    body = {"kind": "retail_weighing", "goods": "thịt lợn", "declared": 1000, "measured": 990}
    r = client.post(
        f"{API}/inspections/{insp}/measurement-checks", json=body, headers=world.auth("inspector_a")
    )
    assert r.status_code == 201, r.text
    record = last_audited(db, "measurement_check.record")
    assert (record.entity, record.entity_id) == ("measurement_check", r.json()["id"])
    assert (record.detail["declared"], record.detail["measured"]) == (1000, 990)
    assert record.detail["inspection_id"] == insp
    assert record.detail["verdict"] == r.json()["verdict"]
    assert record.detail["shortfall"] == r.json()["shortfall"]


def test_a_batch_is_audited_once_per_stored_check(
    client: TestClient, world: World, db: Session
) -> None:
    insp = open_inspection(client, world)["id"]
    items = [retail(), retail(goods="cá", declared=500, measured=502), retail(declared=-1)]
    first = sync(client, world, insp, items)
    assert [r["status"] for r in first.json()] == ["created", "created", "rejected"]
    sync(client, world, insp, items)  # resends: nothing new to audit
    records = audited(db, "measurement_check.record")
    assert [r.entity_id for r in records] == [r["check_id"] for r in first.json()[:2]]
    assert [r.detail["goods"] for r in records] == ["thịt lợn", "cá"]
    assert records[1].detail["client_uuid"] == items[1]["client_uuid"]
