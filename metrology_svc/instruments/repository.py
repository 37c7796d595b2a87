"""Queries on instruments: filtered pages, jurisdiction, history and set-based status moves."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from metrology_svc.core.bulk import insert_rows
from metrology_svc.core.pagination import PageParams
from metrology_svc.core.scope import under_any
from metrology_svc.instruments.models import Instrument, InstrumentEvent, InstrumentStatus
from metrology_svc.instruments.rules import STICKY_STATUSES
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

SORTABLE = {
    "id": col(Instrument.id),
    "serial": col(Instrument.serial),
    "manufacturer": col(Instrument.manufacturer),
    "type_code": col(Instrument.type_code),
    "status": col(Instrument.status),
    "due_date": col(Instrument.due_date),
    "created_at": col(Instrument.created_at),
    "updated_at": col(Instrument.updated_at),
}


@dataclass(frozen=True)
class InstrumentFilter:
    """What a list of instruments is narrowed to; None means no narrowing."""

    unit_path: str | None = None
    site_id: int | None = None
    owner_id: int | None = None
    type_code: str | None = None
    statuses: tuple[InstrumentStatus, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    serial: str | None = None
    visible_paths: tuple[str, ...] | None = None  # None: every unit


class InstrumentRepository:
    """Reads and writes instruments and their events."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, instrument_id: int) -> Instrument | None:
        """Return the instrument with this id."""
        return self.session.get(Instrument, instrument_id)

    def unit_path_of(self, instrument_id: int) -> str | None:
        """Return the path of the unit the instrument's site lies in."""
        stmt = (
            select(AdminUnit.path)
            .join(Site, col(Site.unit_id) == AdminUnit.id)
            .join(Instrument, col(Instrument.site_id) == Site.id)
            .where(Instrument.id == instrument_id)
        )
        return self.session.exec(stmt).first()

    def by_identity(self, key: str) -> Instrument | None:
        """Return the instrument with this identity key."""
        return self.session.exec(select(Instrument).where(Instrument.identity_key == key)).first()

    def alike(self, loose_key: str, *, limit: int = 5) -> list[Instrument]:
        """Return the oldest instruments with this loose key (near-duplicates), oldest first."""
        stmt = select(Instrument).where(Instrument.loose_key == loose_key)
        return list(self.session.exec(stmt.order_by(col(Instrument.id)).limit(limit)))

    def identities_after(
        self, after_id: int, *, limit: int
    ) -> list[tuple[int, str, str, str, str]]:
        """Return (id, type, maker, serial, loose key) of instruments after an id, by id."""
        t = SQLModel.metadata.tables["instrument"].c
        stmt = (
            sa_select(t.id, t.type_code, t.manufacturer, t.serial, t.loose_key)
            .where(t.id > after_id)
            .order_by(t.id)
            .limit(limit)
        )
        return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in self.session.execute(stmt)]

    def set_loose_keys(self, keys: dict[int, str]) -> None:
        """Store loose keys by instrument id (executemany)."""
        if keys:
            stmt = (
                update(Instrument)
                .where(col(Instrument.id) == bindparam("b_id"))
                .values(loose_key=bindparam("b_key"))
            )
            params = [{"b_id": i, "b_key": k} for i, k in keys.items()]
            self.session.connection().execute(stmt, params)

    def filtered(self, flt: InstrumentFilter) -> SelectOfScalar[Instrument]:
        """Return the statement selecting instruments that match the filter."""
        stmt = select(Instrument)
        if flt.unit_path is not None or flt.visible_paths is not None:
            stmt = stmt.join(Site, col(Site.id) == Instrument.site_id).join(
                AdminUnit, col(AdminUnit.id) == Site.unit_id
            )
            if flt.unit_path is not None:
                stmt = stmt.where(under_any(col(AdminUnit.path), (flt.unit_path,)))
            if flt.visible_paths is not None:
                stmt = stmt.where(under_any(col(AdminUnit.path), flt.visible_paths))
        if flt.site_id is not None:
            stmt = stmt.where(Instrument.site_id == flt.site_id)
        if flt.owner_id is not None:
            stmt = stmt.where(Instrument.owner_id == flt.owner_id)
        if flt.type_code is not None:
            stmt = stmt.where(Instrument.type_code == flt.type_code)
        if flt.due_from is not None:
            stmt = stmt.where(col(Instrument.due_date) >= flt.due_from)
        if flt.due_to is not None:
            stmt = stmt.where(col(Instrument.due_date) <= flt.due_to)
        if flt.serial:
            stmt = stmt.where(col(Instrument.serial).ilike(f"%{flt.serial}%"))
        if flt.statuses:
            stmt = stmt.where(col(Instrument.status).in_([s.value for s in flt.statuses]))
        return stmt

    def page(self, flt: InstrumentFilter, params: PageParams) -> tuple[list[Instrument], int]:
        """Return a sorted page of matching instruments and the total count."""
        stmt = self.filtered(flt)
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        sort = params.sort or "id"
        column = SORTABLE[sort.lstrip("-")]
        order = column.desc() if sort.startswith("-") else column.asc()
        rows = self.session.exec(
            stmt.order_by(order, col(Instrument.id)).offset(params.offset).limit(params.limit)
        ).all()
        return list(rows), total

    def count_by_status(self, flt: InstrumentFilter) -> dict[str, int]:
        """Return how many matching instruments are in each status."""
        sub = self.filtered(flt).subquery()
        stmt = select(sub.c.status, func.count()).group_by(sub.c.status)
        return {str(status): int(n) for status, n in self.session.exec(stmt)}

    def events(self, instrument_id: int) -> list[InstrumentEvent]:
        """Return the instrument's events, oldest first."""
        stmt = select(InstrumentEvent).where(InstrumentEvent.instrument_id == instrument_id)
        return list(self.session.exec(stmt.order_by(col(InstrumentEvent.id))))

    def add(self, obj: Instrument | InstrumentEvent) -> None:
        """Stage a row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()

    def insert_events(self, rows: list[dict[str, Any]]) -> None:
        """Insert complete history rows in one batched statement (no objects to build)."""
        if rows:
            # The Core table, not the class: no ORM bulk bookkeeping per row.
            insert_rows(self.session, InstrumentEvent.__table__, rows)  # type: ignore[attr-defined]

    def add_events(self, events: list[InstrumentEvent]) -> None:
        """Stage history entries and flush them together (one batched insert)."""
        self.session.add_all(events)
        self.session.flush()

    def refresh_statuses(self, *, today: date, due_soon_days: int) -> int:
        """Move in-service instruments to due or overdue by their due date, in one statement."""
        soon = today + timedelta(days=due_soon_days)
        target = case(
            (col(Instrument.due_date) < today, InstrumentStatus.OVERDUE.value),
            (col(Instrument.due_date) <= soon, InstrumentStatus.DUE.value),
            else_=InstrumentStatus.IN_SERVICE.value,
        )
        stmt = (
            update(Instrument)
            .where(
                and_(
                    col(Instrument.due_date).is_not(None),
                    col(Instrument.status).not_in([s.value for s in STICKY_STATUSES]),
                    col(Instrument.status) != target,
                )
            )
            .values(status=target)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def count_by_unit_path_and_status(
    session: Session, flt: InstrumentFilter
) -> list[tuple[str, str, int]]:
    """Return (unit path of the site, status, count) for the matching instruments."""
    sub = InstrumentRepository(session).filtered(flt).subquery()
    stmt = (
        select(AdminUnit.path, sub.c.status, func.count())
        .select_from(sub)
        .join(Site, col(Site.id) == sub.c.site_id)
        .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
        .group_by(col(AdminUnit.path), sub.c.status)
    )
    return [(str(path), str(status), int(n)) for path, status, n in session.exec(stmt)]


def count_by_type_and_status(session: Session, flt: InstrumentFilter) -> list[tuple[str, str, int]]:
    """Return (type code, status, count) for the matching instruments."""
    sub = InstrumentRepository(session).filtered(flt).subquery()
    stmt = select(sub.c.type_code, sub.c.status, func.count()).group_by(
        sub.c.type_code, sub.c.status
    )
    return [(str(code), str(status), int(n)) for code, status, n in session.exec(stmt)]
