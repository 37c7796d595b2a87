"""Queries on verifications, their points and standards."""

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, insert, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from metrology_svc.core.bulk import among, insert_rows
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.verifications.models import (
    Verification,
    VerificationPoint,
    VerificationResult,
    VerificationStandard,
)

# Results that take part in an instrument's status: an incomplete verification does not.
MOVING_RESULTS = [
    r.value for r in (VerificationResult.PASS, VerificationResult.FAIL, VerificationResult.RECORDED)
]


class VerificationRepository:
    """Reads and writes verifications."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, verification_id: int) -> Verification | None:
        """Return the verification with this id."""
        return self.session.get(Verification, verification_id)

    def for_instrument(self, instrument_id: int) -> list[Verification]:
        """Return the instrument's verifications, oldest first."""
        stmt = select(Verification).where(Verification.instrument_id == instrument_id)
        return list(
            self.session.exec(stmt.order_by(col(Verification.verified_on), col(Verification.id)))
        )

    def latest_on(self, instrument_id: int, *, exclude_id: int | None = None) -> date | None:
        """Return the date of the instrument's latest pass, fail or recorded verification."""
        stmt = select(func.max(Verification.verified_on)).where(
            Verification.instrument_id == instrument_id,
            col(Verification.result).in_(MOVING_RESULTS),
        )
        if exclude_id is not None:
            stmt = stmt.where(Verification.id != exclude_id)
        found: date | None = self.session.exec(stmt).one()
        return found

    def latest_on_many(self, instrument_ids: Collection[int]) -> dict[int, date]:
        """Return, by instrument, the date of its latest pass, fail or recorded verification."""
        stmt = (
            select(Verification.instrument_id, func.max(Verification.verified_on))
            .where(
                among(self.session, col(Verification.instrument_id), instrument_ids),
                col(Verification.result).in_(MOVING_RESULTS),
            )
            .group_by(col(Verification.instrument_id))
        )
        return {iid: on for iid, on in self.session.exec(stmt) if on is not None}

    def points(self, verification_id: int) -> list[VerificationPoint]:
        """Return the verification's points in order."""
        stmt = select(VerificationPoint).where(VerificationPoint.verification_id == verification_id)
        return list(self.session.exec(stmt.order_by(col(VerificationPoint.seq))))

    def standard_codes(self, verification_id: int) -> list[str]:
        """Return the codes of the standards the verification used."""
        stmt = (
            select(ReferenceStandard.code)
            .join(
                VerificationStandard, col(VerificationStandard.standard_id) == ReferenceStandard.id
            )
            .where(VerificationStandard.verification_id == verification_id)
            .order_by(col(ReferenceStandard.code))
        )
        return list(self.session.exec(stmt))

    def insert_many(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert complete verification rows in one batched statement; return their ids in order.

        Core executemany with the ids known beforehand (PostgreSQL: from the sequence) or read
        afterwards (SQLite: this transaction holds the write lock, so the rows just inserted
        hold the last len(rows) ids, in order); an ordered RETURNING is far slower on both."""
        if not rows:
            return []
        t = Verification.__table__  # type: ignore[attr-defined]
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            allocate = text(
                "SELECT nextval(pg_get_serial_sequence('verification', 'id')) "
                "FROM generate_series(1, :n)"
            )
            got: list[Any] = list(self.session.execute(allocate, {"n": len(rows)}).scalars())
            ids = [int(i) for i in got]
            insert_rows(self.session, t, [r | {"id": i} for r, i in zip(rows, ids, strict=True)])
            return ids
        if dialect == "sqlite":
            insert_rows(self.session, t, rows)
            last = int(self.session.execute(sa_select(func.max(t.c.id))).scalar_one())
            return list(range(last - len(rows) + 1, last + 1))
        stmt = insert(t).returning(t.c.id, sort_by_parameter_order=True)
        returned: list[Any] = list(self.session.execute(stmt, rows).scalars())
        return [int(i) for i in returned]

    def add_all(self, verifications: list[Verification]) -> None:
        """Stage verifications and flush them together (one batched insert, ids back)."""
        self.session.add_all(verifications)
        self.session.flush()

    def add(self, obj: Verification | VerificationPoint | VerificationStandard) -> None:
        """Stage a row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()
