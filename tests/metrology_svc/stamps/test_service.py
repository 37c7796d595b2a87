"""Printing labels, and raising and resolving flags, leave audit records."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.stamps.support import API, check, freeze, issued


def test_each_printed_label_is_audited(client: TestClient, world: World, db: Session) -> None:
    freeze(client, date(2026, 11, 22))
    first, second = issued(client, world, serial="LX-0001"), issued(client, world, serial="LX-0002")
    body = {"stamp_ids": [second["id"], first["id"]]}
    r = client.post(f"{API}/stamps/sheet", json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    printed = audited(db, "stamp.print")
    assert [(p.entity, p.entity_id) for p in printed] == [
        ("stamp", second["id"]),
        ("stamp", first["id"]),
    ]
    assert printed[0].detail == {
        "serial": second["serial"],
        "instrument_id": second["instrument_id"],
        "labels": 2,
    }
    assert printed[0].actor == "Test inspector_a"


def test_a_flag_is_audited_when_raised_and_when_resolved(
    client: TestClient, world: World, db: Session
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    admin = world.auth("admin")
    client.post(f"{API}/stamps/{stamp['id']}/revoke", json={"reason": "broken_seal"}, headers=admin)
    check(client, stamp["code"])
    check(client, stamp["code"])  # a second scan counts on the open flag: no new record
    [flag] = client.get(f"{API}/stamps/flags", headers=admin).json()
    [raised] = audited(db, "stamp_flag.raise")
    assert (raised.entity, raised.entity_id, raised.actor) == ("stamp_flag", flag["id"], "system")
    assert raised.detail["stamp_id"] == stamp["id"]
    assert raised.detail["kind"] == "after_revocation"
    r = client.post(f"{API}/stamps/flags/{flag['id']}/resolve", headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    resolved = last_audited(db, "stamp_flag.resolve")
    assert (resolved.entity, resolved.entity_id) == ("stamp_flag", flag["id"])
    assert (resolved.detail["stamp_id"], resolved.detail["scans"]) == (stamp["id"], 2)
    assert resolved.detail["resolved_at"] is not None
