"""The chain's pure rules: canonical bytes, hashes, and the checker's verdicts."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from metrology_svc.audit.rules import (
    GENESIS,
    ChainChecker,
    ChainEntry,
    canonical,
    entry_hash,
    record_hash,
)

T0 = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)


def chain(n: int) -> list[ChainEntry]:
    out: list[ChainEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {
            "seq": seq,
            "at": T0 + timedelta(seconds=seq),
            "actor_user_id": 7,
            "actor": "Kiểm định viên Nam",
            "action": "instrument.update",
            "entity": "instrument",
            "entity_id": 100 + seq,
            "detail": {"serial": {"from": f"A{seq}", "to": f"B{seq}"}, "e_g": 0.1},
            "prev_hash": prev,
        }
        digest = record_hash(**fields)
        out.append(ChainEntry(id=1000 + seq, **fields, hash=digest))
        prev = digest
    return out


def first_break(entries: list[ChainEntry], *, expect_head: str | None = None) -> object:
    checker = ChainChecker(expect_head=expect_head)
    for e in entries:
        found = checker.feed(e)
        if found is not None:
            return found
    return checker.finish()


def test_canonical_form_sorts_keys_and_normalises_time_to_utc() -> None:
    a = canonical(
        seq=1,
        at=T0.astimezone(timezone(timedelta(hours=7))),
        actor_user_id=None,
        actor="system",
        action="stamp.issue",
        entity="stamp",
        entity_id=5,
        detail={"b": 1, "a": "Tem"},
        prev_hash=GENESIS,
    )
    text = a.decode("utf-8")
    assert text.startswith('{"action":"stamp.issue","actor":"system","actor_user_id":null,"at":')
    assert '"at":"2026-11-23T01:02:03.456789Z"' in text
    assert '"detail":{"a":"Tem","b":1}' in text
    naive = canonical(
        seq=1,
        at=T0.replace(tzinfo=None),
        actor_user_id=None,
        actor="system",
        action="stamp.issue",
        entity="stamp",
        entity_id=5,
        detail={"a": "Tem", "b": 1},
        prev_hash=GENESIS,
    )
    assert naive == a


def test_an_intact_chain_passes_and_counts() -> None:
    entries = chain(5)
    checker = ChainChecker(expect_head=entries[2].hash)
    assert all(checker.feed(e) is None for e in entries)
    assert checker.finish() is None
    assert (checker.count, checker.last_seq, checker.last_hash) == (5, 5, entries[-1].hash)


def test_every_field_is_covered_by_the_hash() -> None:
    e = chain(1)[0]
    changes: dict[str, Any] = {
        "seq": 2,
        "at": e.at + timedelta(microseconds=1),
        "actor_user_id": 8,
        "actor": "x",
        "action": "stamp.revoke",
        "entity": "stamp",
        "entity_id": 1,
        "detail": {"serial": {"from": "A1", "to": "B2"}, "e_g": 0.1},
        "prev_hash": "1" * 64,
    }
    for name, value in changes.items():
        assert entry_hash(replace(e, **{name: value})) != e.hash, name


def test_an_edited_record_is_named() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], detail={"serial": {"from": "A3", "to": "FORGED"}})
    found = first_break(entries)
    assert getattr(found, "kind", None) == "edited"
    assert getattr(found, "seq", None) == 3
    assert "seq 3 (id 1003)" in getattr(found, "message", "")
    assert "đã bị sửa" in getattr(found, "message_vi", "")


def test_an_edited_and_rehashed_record_breaks_the_next_link() -> None:
    entries = chain(5)
    forged = replace(entries[1], actor="someone else")
    entries[1] = replace(forged, hash=entry_hash(forged))
    found = first_break(entries)
    assert (getattr(found, "kind", None), getattr(found, "seq", None)) == ("relinked", 3)
    assert "seq 2" in getattr(found, "message", "")


def test_a_deleted_middle_record_is_a_gap() -> None:
    entries = chain(5)
    del entries[2]
    found = first_break(entries)
    assert (getattr(found, "kind", None), getattr(found, "seq", None)) == ("gap", 4)
    assert "seq 3 deleted" in getattr(found, "message", "")


def test_a_deleted_first_record_is_a_gap() -> None:
    found = first_break(chain(3)[1:])
    assert (getattr(found, "kind", None), getattr(found, "seq", None)) == ("gap", 2)


def test_a_truncated_tail_shows_only_against_a_kept_head() -> None:
    entries = chain(5)
    head = entries[-1].hash
    assert first_break(entries[:-1]) is None  # the limit: without a kept head it looks intact
    found = first_break(entries[:-1], expect_head=head)
    assert getattr(found, "kind", None) == "head_missing"
    assert first_break(entries, expect_head=head.upper()) is None
