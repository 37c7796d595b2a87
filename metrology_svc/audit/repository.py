"""Queries on the audit chain: lock, head, append, pages, and a streaming walk."""

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import JSON, Dialect, bindparam, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, col, func, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.rules import ChainEntry
from metrology_svc.core.bulk import insert_rows, takes_encoded

# Serialises appends on PostgreSQL: whoever holds it reads the head and writes the next seq.
# Held until the transaction ends, so the head cannot move between reading and committing.
# The second half of the key is the table's oid, so each schema (e.g. each test run sharing
# one database) has its own chain lock.
CHAIN_LOCK_CLASS = 0x4D45
_PG_LOCK = text(
    "SELECT pg_advisory_xact_lock(:cls, CAST(CAST(CAST('audit_record' AS regclass) AS oid) AS int))"
)


class EncodedJSON(TypeDecorator[str]):
    """A JSON column's parameter given as JSON text already: passed on as it is."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        """Send the text unchanged (JSON would encode it a second time)."""
        return None


class AuditRepository:
    """Reads and appends audit records."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_chain(self) -> None:
        """Take the chain's lock until the transaction ends, before the head is read."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            self.session.execute(_PG_LOCK, {"cls": CHAIN_LOCK_CLASS})
        elif dialect == "sqlite":
            # SQLite has one writer at a time; a write statement (even one touching no row)
            # makes this transaction that writer now, waiting out the busy timeout if need be,
            # so the head read next cannot be stale.
            self.session.execute(text("UPDATE audit_record SET seq = seq WHERE id < 0"))

    def head(self) -> tuple[int, str] | None:
        """Return seq and hash of the newest record, if any."""
        row = self.session.exec(
            select(AuditRecord.seq, AuditRecord.hash).order_by(col(AuditRecord.seq).desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else None

    def add(self, record: AuditRecord) -> AuditRecord:
        """Stage a record and flush it."""
        self.session.add(record)
        self.session.flush()
        return record

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Insert complete records in one batched statement (no objects to build)."""
        if rows:
            self.session.execute(insert(AuditRecord), rows)

    def insert_encoded(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert complete records whose detail is JSON text already (rules.detail_text), in
        one batch: the text is stored as given, not encoded again. An iterator of records is
        made while the records before it are stored (core.bulk.insert_rows); it must not use
        the session."""
        t = AuditRecord.__table__  # type: ignore[attr-defined]
        if takes_encoded(self.session):  # SQLite's executemany or psycopg's COPY
            insert_rows(self.session, t, records, encoded={"detail"})
            return
        rows = list(records)
        if not rows:
            return
        # A bound parameter may not take the column's own name.
        stmt = insert(t).values(detail=bindparam("detail_json", type_=EncodedJSON()))
        renamed = [{k: v for k, v in r.items() if k != "detail"} for r in rows]
        for row, given in zip(renamed, rows, strict=True):
            row["detail_json"] = given["detail"]
        self.session.execute(stmt, renamed)

    def page(
        self, *, entity: str | None, entity_id: int | None, limit: int, offset: int
    ) -> tuple[list[AuditRecord], int]:
        """Return records, newest first, optionally about one entity, and their count."""
        stmt = select(AuditRecord)
        count = select(func.count()).select_from(AuditRecord)
        if entity is not None:
            stmt = stmt.where(AuditRecord.entity == entity)
            count = count.where(AuditRecord.entity == entity)
        if entity_id is not None:
            stmt = stmt.where(AuditRecord.entity_id == entity_id)
            count = count.where(AuditRecord.entity_id == entity_id)
        rows = self.session.exec(
            stmt.order_by(col(AuditRecord.seq).desc()).limit(limit).offset(offset)
        ).all()
        return list(rows), self.session.exec(count).one()

    def walk(self, *, batch: int = 1000) -> Iterator[ChainEntry]:
        """Yield every record in seq order, one keyset page at a time (bounded memory)."""
        # Plain columns, not entities: fresh from the table, and no identity map to grow.
        t = AuditRecord.__table__  # type: ignore[attr-defined]
        columns = [t.c[name] for name in ChainEntry.__slots__]
        after = -1
        while True:
            stmt = sa_select(*columns).where(t.c.seq > after).order_by(t.c.seq).limit(batch)
            rows = self.session.execute(stmt).all()
            if not rows:
                return
            for row in rows:
                yield ChainEntry(**row._asdict())
            after = rows[-1].seq
