"""Every audited change grows the chain; raw SQL tampering is found and named (both databases)."""

from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.repository import AuditRepository
from metrology_svc.audit.rules import GENESIS, entry_hash
from metrology_svc.audit.service import Entry, audit, audit_many, verify_chain
from metrology_svc.imports.service import import_file
from metrology_svc.notices.models import Notice
from metrology_svc.notices.service import ack_url
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import ADMIN, World, spring_scale
from tests.metrology_svc.imports.support import TODAY, scale_row, write_csv
from tests.metrology_svc.stamps.support import GOOD_POINTS, freeze
from tests.schedules.support import FakeClock, add_instrument

API = "/api/v1"


@pytest.fixture(autouse=True)
def _empty_chain(request: pytest.FixtureRequest) -> None:
    """Start each test that has the world from an empty chain: the world's accounts are
    audited too (user.create) and would shift every position these tests check."""
    if "world" in request.fixturenames:
        db: Session = request.getfixturevalue("db")
        request.getfixturevalue("world")
        db.execute(delete(AuditRecord))
        db.flush()


def actions(db: Session) -> list[str]:
    return list(db.exec(select(AuditRecord.action).order_by(col(AuditRecord.seq))).all())


def records(db: Session) -> list[AuditRecord]:
    db.expire_all()
    return list(db.exec(select(AuditRecord).order_by(col(AuditRecord.seq))).all())


def lifecycle(client: TestClient, world: World, settings: Settings, db: Session) -> int:
    """Drive one instrument through every audited change over HTTP; return its id."""
    freeze(client, date(2026, 11, 10))
    admin, insp = world.auth("admin"), world.auth("inspector_a")
    r = client.post(f"{API}/instruments", json=spring_scale(world), headers=insp)
    assert r.status_code == 201, r.text
    iid: int = r.json()["id"]
    r = client.patch(f"{API}/instruments/{iid}", json={"model": "NHS-30"}, headers=insp)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = {
        "kind": "initial",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": GOOD_POINTS,
    }
    r = client.post(f"{API}/instruments/{iid}/verifications", json=body, headers=insp)
    assert r.status_code == 201, r.text
    r = client.post(
        f"{API}/instruments/{iid}/verifications", json={**body, "kind": "periodic"}, headers=insp
    )
    assert r.status_code == 201, r.text
    stamp = client.get(f"{API}/stamps", params={"instrument_id": iid}, headers=admin).json()[0]
    r = client.post(
        f"{API}/stamps/{stamp['id']}/revoke",
        json={"reason": "lost_or_stolen", "note": "mất tem"},
        headers=insp,
    )
    assert r.status_code == 200, r.text
    notice = db.exec(select(Notice).where(Notice.instrument_id == iid)).one()
    assert notice.id is not None
    r = client.post(ack_url(settings, notice.id).split("8000", 1)[1])  # the page's button
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/instruments/{iid}/status",
        json={"action": "retire", "reason": "hỏng"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    return iid


def test_every_change_appends_one_linked_record(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    assert actions(db) == []
    iid = lifecycle(client, world, settings, db)
    assert actions(db) == [
        "instrument.create",
        "instrument.update",
        "stamp.issue",
        "verification.record",
        "stamp.supersede",  # the second pass supersedes the first stamp
        "stamp.issue",
        "verification.record",
        "stamp.revoke",
        "instrument.due_now",
        "notice.create",
        "notice.acknowledge",
        "instrument.retire",
    ]
    rows = records(db)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))
    create, update = rows[0], rows[1]
    assert (create.entity, create.entity_id, create.actor) == (
        "instrument",
        iid,
        "Test inspector_a",
    )
    assert create.actor_user_id is not None
    assert update.detail == {"model": {"from": "NHS-15", "to": "NHS-30"}}
    second_issue = rows[5]
    assert second_issue.detail["supersedes"] == [rows[2].entity_id]
    supersede = rows[4]
    assert (supersede.entity_id, supersede.detail) == (rows[2].entity_id, {"by": rows[5].entity_id})
    assert rows[2].actor == "Test inspector_a"  # the stamp is issued by whoever verified
    assert rows[9].actor == "system"
    assert rows[10].actor == "owner (signed link)"
    report = verify_chain(db)
    assert (report.count, report.head_seq, report.broken) == (12, 12, None)
    assert report.head_hash == rows[-1].hash


def test_a_refused_change_writes_nothing(client: TestClient, world: World, db: Session) -> None:
    r = client.post(f"{API}/instruments", json=spring_scale(world), headers=world.auth("viewer"))
    assert r.status_code == 403
    r = client.post(
        f"{API}/instruments",
        json=spring_scale(world, site_id=world.market_b),
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 403
    assert actions(db) == []


def _chain(db: Session, n: int) -> list[AuditRecord]:
    for i in range(n):
        audit(
            db, actor=ADMIN, action="test.step", entity="instrument", entity_id=i, detail={"i": i}
        )
    db.flush()
    return records(db)


def test_an_edited_record_is_named(db: Session, world: World) -> None:
    rows = _chain(db, 5)
    db.execute(text("UPDATE audit_record SET entity_id = 999 WHERE id = :id"), {"id": rows[2].id})
    broken = verify_chain(db).broken
    assert broken is not None
    assert (broken.kind, broken.seq, broken.record_id) == ("edited", 3, rows[2].id)
    assert f"seq 3 (id {rows[2].id}) was edited" in broken.message


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(db: Session, world: World) -> None:
    rows = _chain(db, 4)
    forged = rows[1]
    db.execute(text("UPDATE audit_record SET actor = 'ai đó' WHERE id = :id"), {"id": forged.id})
    db.expire_all()
    entry = next(e for e in _walk(db) if e.seq == 2)
    db.execute(
        text("UPDATE audit_record SET hash = :h WHERE id = :id"),
        {"h": entry_hash(entry), "id": forged.id},
    )
    broken = verify_chain(db).broken
    assert broken is not None
    assert (broken.kind, broken.seq) == ("relinked", 3)


def _walk(db: Session) -> list[Any]:
    return list(AuditRepository(db).walk())


def test_a_deleted_middle_record_is_a_named_gap(db: Session, world: World) -> None:
    rows = _chain(db, 5)
    db.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": rows[1].id})
    broken = verify_chain(db).broken
    assert broken is not None
    assert (broken.kind, broken.seq, broken.record_id) == ("gap", 3, rows[2].id)
    assert "seq 2 deleted" in broken.message
    assert "seq 2 đã bị xoá" in broken.message_vi


def test_a_deleted_last_record_shows_against_the_kept_head(db: Session, world: World) -> None:
    rows = _chain(db, 3)
    kept = verify_chain(db).head_hash
    assert kept == rows[-1].hash
    db.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": rows[-1].id})
    assert verify_chain(db).broken is None  # the documented limit: the tail alone looks whole
    broken = verify_chain(db, expect_head=kept).broken
    assert broken is not None
    assert broken.kind == "head_missing"
    # The chain growing after the head was kept is fine.
    _chain(db, 0)
    audit(db, actor=None, action="test.more", entity="x", entity_id=None)
    assert verify_chain(db, expect_head=records(db)[-2].hash).broken is None


def test_the_due_scan_writes_one_summary_record(
    db: Session, world: World, settings: Settings
) -> None:
    for i in range(30):
        add_instrument(db, world, serial=f"DS-{i}", due_date=date(2026, 12, 1))
    clock = FakeClock(date(2026, 12, 5))
    result = run_due_scan(db, now=clock(), settings=settings)
    assert result.recalls == 30
    rows = records(db)
    assert [r.action for r in rows] == ["notices.bulk_create"]
    assert rows[0].detail["recalls"] == 30
    assert rows[0].detail["statuses_moved"] == 30
    assert rows[0].actor == "system"
    run_due_scan(db, now=clock(), settings=settings)  # nothing new: no record
    assert len(records(db)) == 1


def test_an_import_writes_a_record_per_row_and_one_summary(
    db: Session, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", [scale_row(f"IM-{i}") for i in range(25)])
    report = import_file(db, ADMIN, path, today=TODAY)
    assert report.created == 25
    # Each created instrument and each listed last-verification date has its own record.
    for action in ("instrument.import_create", "verification.import"):
        listed = [r for r in records(db) if r.action == action]
        assert sorted(r.detail["row"] for r in listed) == list(range(2, 27)), action
    created = [r for r in records(db) if r.action == "instrument.import_create"]
    assert sorted(r.detail["values"]["serial"] for r in created) == sorted(
        f"IM-{i}" for i in range(25)
    )
    rows = [
        r
        for r in records(db)
        if r.action not in ("verification.import", "instrument.import_create")
    ]
    assert [r.action for r in rows] == ["import.instruments"]
    assert rows[0].detail == {
        "mode": "all-or-nothing",
        "rows": 25,
        "created": 25,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }


def test_an_inspection_finding_that_suspends_is_audited(
    client: TestClient, world: World, db: Session
) -> None:
    insp = world.auth("inspector_a")
    iid = client.post(f"{API}/instruments", json=spring_scale(world), headers=insp).json()["id"]
    body = {"site_id": world.market_a, "inspector": "Đoàn kiểm tra", "inspected_on": "2026-11-20"}
    r = client.post(f"{API}/inspections", json=body, headers=insp)
    assert r.status_code == 201, r.text
    finding = {"client_uuid": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "kind": "broken_seal"}
    r = client.post(
        f"{API}/inspections/{r.json()['id']}/findings/sync",
        json={"items": [{**finding, "instrument_id": iid}]},
        headers=insp,
    )
    assert r.status_code == 200, r.text
    rows = records(db)
    # A broken seal suspends; no notice (no verification failed: the result notice tells them).
    assert [r.action for r in rows] == [
        "instrument.create",
        "inspection.open",
        "instrument.inspection_finding",
        "inspection.finding",  # the finding itself, after the batch
    ]
    assert (rows[-2].entity_id, rows[-2].detail["to"]) == (iid, "suspended")
    assert verify_chain(db).broken is None


def test_audit_many_chains_exactly_as_one_call_each(db: Session, world: World) -> None:
    audit(db, actor=ADMIN, action="first", entity="x", entity_id=1, detail={})
    entries = [
        Entry(action=f"bulk.{n}", entity="x", entity_id=n, detail={"n": n}) for n in range(5)
    ]
    assert audit_many(db, actor=ADMIN, entries=entries) == 5
    audit(db, actor=ADMIN, action="after", entity="x", entity_id=9, detail={})
    db.flush()
    rows = db.exec(select(AuditRecord).order_by(col(AuditRecord.seq))).all()
    tail = rows[-7:]
    assert [r.action for r in tail] == ["first", *(f"bulk.{n}" for n in range(5)), "after"]
    assert [b.seq - a.seq for a, b in pairwise(tail)] == [1] * 6
    assert all(b.prev_hash == a.hash for a, b in pairwise(tail))
    report = verify_chain(db)
    assert report.broken is None
    assert report.head_hash == tail[-1].hash
    assert audit_many(db, actor=ADMIN, entries=[]) == 0
