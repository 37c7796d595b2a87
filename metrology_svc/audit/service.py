"""Append to the audit chain inside the caller's transaction (never commits), and check it."""

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.repository import AuditRepository
from metrology_svc.audit.rules import (
    GENESIS,
    Break,
    ChainChecker,
    at_text,
    canonical_text,
    detail_text,
    json_safe,
    record_hash,
)
from metrology_svc.core.clock import utcnow

SYSTEM = "system"


class Actor(Protocol):
    """Who made a change: an account (auth's Principal has these), read structurally so that
    auth itself can record its events (accounts, tokens, passwords) without a cycle."""

    @property
    def user_id(self) -> int:
        """The account's id (0: the command line's system principal)."""
        ...

    @property
    def name(self) -> str:
        """The account's name as the record shows it."""
        ...


def _actor(actor: Actor | str | None) -> tuple[int | None, str]:
    # Principal id 0 is the CLI's system principal: no account to point at.
    if isinstance(actor, str):
        return None, actor[:200]
    if actor is not None and actor.user_id > 0:
        return actor.user_id, actor.name[:200]
    return None, SYSTEM


def audit(
    session: Session,
    *,
    actor: Actor | str | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append one record to the chain in the caller's transaction; the caller commits.

    On PostgreSQL the chain lock is held from here to the end of the transaction, so
    concurrent writers append one after the other and the chain never forks.
    """
    repo = AuditRepository(session)
    repo.lock_chain()
    head = repo.head()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    user_id, name = _actor(actor)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at or utcnow(),
        "actor_user_id": user_id,
        "actor": name,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": json_safe(detail or {}),
        "prev_hash": prev,
    }
    return repo.add(AuditRecord(**fields, hash=record_hash(**fields)))


@dataclass(frozen=True)
class Entry:
    """One record to append with audit_many: what was done to which entity, and how."""

    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, Any]


def audit_many(session: Session, *, actor: Actor | str | None, entries: Sequence[Entry]) -> int:
    """Append records in order, one lock and one head read for all; the caller commits.

    The same chain as one audit() call per entry (each record hashes the one before), for
    bulk paths such as an import's thousands of imported verifications. The records are
    made while the ones before are stored (on PostgreSQL, streamed: core.bulk.insert_rows).
    """
    if not entries:
        return 0
    repo = AuditRepository(session)
    repo.lock_chain()
    head = repo.head()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    repo.insert_encoded(_chained(entries, seq, prev, _actor(actor), utcnow()))
    return len(entries)


def _chained(
    entries: Iterable[Entry], seq: int, prev: str, actor: tuple[int | None, str], at: datetime
) -> Iterator[dict[str, Any]]:
    """Yield the entries' complete records, chained after record `seq` of hash `prev`."""
    user_id, name = actor
    when = at_text(at)
    sha256 = hashlib.sha256
    for entry in entries:
        seq += 1
        # One encoding of the detail: the hashed text is the stored text (the same record as
        # audit() writes: json_safe(detail), hashed by canonical()).
        detail = detail_text(entry.detail)
        hashed = canonical_text(
            seq=seq,
            at_text=when,
            actor_user_id=user_id,
            actor=name,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            detail=detail,
            prev_hash=prev,
        )
        record = {"seq": seq, "at": at, "actor_user_id": user_id, "actor": name}
        record |= {"action": entry.action, "entity": entry.entity, "entity_id": entry.entity_id}
        record |= {"detail": detail, "prev_hash": prev}
        prev = sha256(hashed).hexdigest()
        yield record | {"hash": prev}


@dataclass(frozen=True)
class ChainReport:
    """What a walk over the chain found: the count of good records, the head, the break."""

    count: int
    head_seq: int
    head_hash: str
    broken: Break | None


def verify_chain(session: Session, *, expect_head: str | None = None) -> ChainReport:
    """Walk the whole chain in seq order and report the first break (reads only)."""
    checker = ChainChecker(expect_head=expect_head)
    broken: Break | None = None
    for entry in AuditRepository(session).walk():
        broken = checker.feed(entry)
        if broken is not None:
            break
    else:
        broken = checker.finish()
    return ChainReport(checker.count, checker.last_seq, checker.last_hash, broken)
