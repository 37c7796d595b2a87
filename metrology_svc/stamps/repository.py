"""Queries on stamps, their scans and flags."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Select, bindparam, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from metrology_svc.core.scope import under_any
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.stamps.models import FlagKind, Stamp, StampFlag, StampScan, StampStatus
from metrology_svc.units.models import AdminUnit
from metrology_svc.verifications.models import Verification, VerificationStandard

MAX_ROW_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL


@dataclass(frozen=True, slots=True)
class StampView:
    """Everything the public page shows about a stamp, from one query."""

    stamp_id: int
    serial: str
    instrument_id: int
    valid_until: date
    seal_number: str | None
    status: str
    revoke_reason: str | None
    verified_on: date
    instrument_status: str
    instrument_serial: str
    manufacturer: str
    model: str | None
    type_name_vi: str
    type_name_en: str
    site_name: str
    site_latitude: float | None
    site_longitude: float | None
    owner_kind: str
    owner_name: str
    owner_trade_name: str | None
    key_id: int
    signature: bytes | None  # as issued; None for stamps older than migration 0701


_VIEW_COLUMNS: tuple[Any, ...] = (
    Stamp.id,
    Stamp.serial,
    Stamp.instrument_id,
    Stamp.valid_until,
    Stamp.seal_number,
    Stamp.status,
    Stamp.revoke_reason,
    Verification.verified_on,
    Instrument.status,
    Instrument.serial,
    Instrument.manufacturer,
    Instrument.model,
    InstrumentType.name_vi,
    InstrumentType.name_en,
    Site.name,
    Site.latitude,
    Site.longitude,
    Owner.kind,
    Owner.name,
    Owner.trade_name,
    Stamp.key_id,
    Stamp.signature,
)


@lru_cache(maxsize=1)
def _view_statement() -> Select[Any]:
    # Built once, on first use: the hot path only binds the stamp id.
    return (
        sa_select(*_VIEW_COLUMNS)
        .join(Verification, col(Verification.id) == Stamp.verification_id)
        .join(Instrument, col(Instrument.id) == Stamp.instrument_id)
        .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(Owner, col(Owner.id) == Instrument.owner_id)
        .where(col(Stamp.id) == bindparam("stamp_id"))
    )


@lru_cache(maxsize=8)
def _view_sql(dialect: Dialect) -> tuple[str, bool]:
    compiled = _view_statement().compile(dialect=dialect)
    return str(compiled), bool(compiled.positional)


def stamp_view(conn: Any, dialect: Dialect, stamp_id: int) -> StampView | None:
    """Return what the verify page shows for a stamp id: one primary-key lookup, five joins.

    `conn` is a DB-API connection. The statement is compiled once per dialect and run on the
    driver's own cursor: on the
    public hot path SQLAlchemy's execution layers cost several times the query itself. Every
    column is a plain text, number or date on both backends, so no result processing is lost.
    """
    if not 0 < stamp_id <= MAX_ROW_ID:
        return None  # a code may carry any u32; PostgreSQL would refuse one past its integer
    sql, positional = _view_sql(dialect)
    params: Any = (stamp_id,) if positional else {"stamp_id": stamp_id}
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    if isinstance(row[3], str):  # SQLite hands dates back as ISO text
        row = list(row)
        row[3], row[7] = date.fromisoformat(row[3]), date.fromisoformat(row[7])
    return StampView(*row)


async def stamp_view_async(conn: Any, dialect: Dialect, stamp_id: int) -> StampView | None:
    """Return what stamp_view returns, on a psycopg AsyncConnection (PostgreSQL hands back
    dates and bytes as they are: no conversion)."""
    if not 0 < stamp_id <= MAX_ROW_ID:
        return None
    sql, positional = _view_sql(dialect)
    params: Any = (stamp_id,) if positional else {"stamp_id": stamp_id}
    async with conn.cursor() as cursor:
        await cursor.execute(sql, params)
        row = await cursor.fetchone()
    return None if row is None else StampView(*row)


class StampRepository:
    """Reads and writes stamps, scans and flags."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, stamp_id: int) -> Stamp | None:
        """Return the stamp with this id."""
        return self.session.get(Stamp, stamp_id)

    def view(self, stamp_id: int) -> StampView | None:
        """Return what the verify page shows for a stamp id, in one indexed query."""
        conn = self.session.connection()
        return stamp_view(conn.connection.driver_connection, conn.dialect, stamp_id)

    def next_seq(self, year: int) -> int:
        """Return the next serial sequence number of the year."""
        stmt = select(func.max(Stamp.serial_seq)).where(Stamp.serial_year == year)
        return int(self.session.exec(stmt).one() or 0) + 1

    def for_instrument(self, instrument_id: int) -> list[Stamp]:
        """Return the instrument's stamps, newest first."""
        stmt = select(Stamp).where(Stamp.instrument_id == instrument_id)
        return list(self.session.exec(stmt.order_by(col(Stamp.id).desc())))

    def valid_for_instrument(self, instrument_id: int) -> list[Stamp]:
        """Return the instrument's stamps that are still valid."""
        stmt = select(Stamp).where(
            Stamp.instrument_id == instrument_id, Stamp.status == StampStatus.VALID
        )
        return list(self.session.exec(stmt))

    def by_ids(self, ids: list[int]) -> list[Stamp]:
        """Return the stamps with these ids in the order given (missing ids are absent)."""
        found = {s.id: s for s in self.session.exec(select(Stamp).where(col(Stamp.id).in_(ids)))}
        return [found[i] for i in ids if i in found]

    def issued_with_standard(self, standard_id: int, *, since: date) -> list[Stamp]:
        """Return stamps from verifications on or after the date that used the standard."""
        stmt = (
            select(Stamp)
            .join(Verification, col(Verification.id) == Stamp.verification_id)
            .join(
                VerificationStandard,
                col(VerificationStandard.verification_id) == Verification.id,
            )
            .where(VerificationStandard.standard_id == standard_id)
            .where(col(Verification.verified_on) >= since)
            .order_by(col(Stamp.id))
        )
        return list(self.session.exec(stmt))

    def add(self, obj: Stamp | StampFlag) -> None:
        """Stage a row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()

    def insert_scans(self, rows: list[dict[str, object]]) -> None:
        """Insert scans as multi-row INSERTs (up to 1,000 rows a statement), not row by row.

        The scan log is written by a worker thread while the event loop serves checks. A plain
        executemany steps the driver once per row, and the sqlite3 module releases and retakes
        the GIL around every step: a thousand hand-overs a batch, each stalling the loop, which
        cost the public check about a third of its rate. With RETURNING, SQLAlchemy sends the
        batch as a few multi-row INSERTs ("insertmanyvalues"): the same rows, a few hand-overs.
        """
        if rows:
            stmt = insert(StampScan).returning(col(StampScan.id))
            self.session.connection().execute(stmt, rows).all()  # Core, not the ORM's bulk path

    def insert_scan(self, row: dict[str, object]) -> int:
        """Insert one scan and return its id."""
        stmt = insert(StampScan).returning(col(StampScan.id))
        return int(self.session.execute(stmt, row).scalar_one())

    def open_flag(self, stamp_id: int, kind: FlagKind) -> StampFlag | None:
        """Return the unresolved flag of this kind on the stamp."""
        stmt = select(StampFlag).where(
            StampFlag.stamp_id == stamp_id,
            StampFlag.kind == kind,
            col(StampFlag.resolved_at).is_(None),
        )
        return self.session.exec(stmt).first()

    def get_flag(self, flag_id: int) -> StampFlag | None:
        """Return the flag with this id."""
        return self.session.get(StampFlag, flag_id)

    def flags(
        self, *, visible_paths: tuple[str, ...] | None, include_resolved: bool, limit: int
    ) -> list[tuple[StampFlag, Stamp]]:
        """Return flags with their stamps, newest activity first, within the visible units."""
        stmt = select(StampFlag, Stamp).join(Stamp, col(Stamp.id) == StampFlag.stamp_id)
        if visible_paths is not None:
            stmt = (
                stmt.join(Instrument, col(Instrument.id) == Stamp.instrument_id)
                .join(Site, col(Site.id) == Instrument.site_id)
                .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
                .where(under_any(col(AdminUnit.path), visible_paths))
            )
        if not include_resolved:
            stmt = stmt.where(col(StampFlag.resolved_at).is_(None))
        stmt = stmt.order_by(col(StampFlag.last_seen_at).desc(), col(StampFlag.id).desc())
        return [(f, s) for f, s in self.session.exec(stmt.limit(limit))]

    def scans(self, stamp_id: int, *, limit: int) -> list[StampScan]:
        """Return the stamp's latest scans."""
        stmt = select(StampScan).where(StampScan.stamp_id == stamp_id)
        return list(self.session.exec(stmt.order_by(col(StampScan.id).desc()).limit(limit)))
