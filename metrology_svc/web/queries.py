"""Queries only the pages need: the notices ledger, instruments by unit on a past day."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from metrology_svc.core.scope import under_any
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticeDelivery
from metrology_svc.notices.repository import without_recipient
from metrology_svc.reports.repository import unit_on
from metrology_svc.reports.rules import end_of_day
from metrology_svc.reports.states import DUE as DUE_SOON
from metrology_svc.reports.states import NEVER, OVERDUE, state_on
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit, UnitLevel


@dataclass
class LedgerRow:
    """A notice with its instrument's serial and the last attempt on each channel."""

    notice: Notice
    serial: str
    deliveries: list[NoticeDelivery]
    # Only the office's fallback has it: nobody is set up to receive it.
    no_recipient: bool = False

    @property
    def resendable(self) -> bool:
        """Tell whether some channel's last attempt failed."""
        return any(d.status in ("failed", "given_up") for d in self.deliveries)


def notices_ledger(
    session: Session,
    paths: tuple[str, ...] | None,
    *,
    kind: str | None,
    offset: int,
    limit: int,
    office_email: str = "",
    no_recipient: bool = False,
) -> tuple[list[LedgerRow], int]:
    """Return a page of notices about instruments under the unit paths, newest first.

    `no_recipient` keeps the notices only the office's fallback has (no recipient configured).
    """
    stmt = (
        select(Notice, Instrument.serial)
        .join(Instrument, col(Instrument.id) == Notice.instrument_id)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
    )
    if paths is not None:
        stmt = stmt.where(under_any(col(AdminUnit.path), paths))
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    unreached = without_recipient(office_email=office_email)
    if no_recipient:
        stmt = stmt.where(unreached)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(col(Notice.id).desc()).offset(offset).limit(limit)))
    ids = [n.id for n, _ in rows]
    latest: dict[tuple[int, str, str], NoticeDelivery] = {}
    flagged: set[int] = set()
    if ids:
        found = session.exec(select(NoticeDelivery).where(col(NoticeDelivery.notice_id).in_(ids)))
        for d in found:
            key = (d.notice_id, str(d.channel), d.destination)
            if key not in latest or d.attempt > latest[key].attempt:
                latest[key] = d
        marked = sa_select(col(Notice.id)).where(col(Notice.id).in_(ids), unreached)
        found_ids: list[Any] = list(session.execute(marked).scalars())
        flagged = {int(i) for i in found_ids}
    by_notice: dict[int, list[NoticeDelivery]] = {}
    for (notice_id, _c, _d), delivery in sorted(latest.items()):
        by_notice.setdefault(notice_id, []).append(delivery)
    return [
        LedgerRow(n, str(s), by_notice.get(n.id or 0, []), (n.id or 0) in flagged) for n, s in rows
    ], int(total)


def _n(expr: Any) -> Any:
    return func.coalesce(func.sum(case((expr, 1), else_=0)), 0)


def instruments_on_day(
    session: Session, paths: tuple[str, ...] | None, *, as_of: date, due_soon_days: int
) -> list[tuple[int, int, int, int, int]]:
    """Return per unit the sites lay in on a day: unit id, instruments in use then, overdue,
    due soon and never verified then, by the records (`states.state_on` on a past day: one
    that had failed then is neither overdue nor never verified; scope: the sites' units now)."""
    until = end_of_day(as_of)
    now_unit = aliased(AdminUnit)
    per = (
        sa_select(
            unit_on(until).label("unit_id"),
            state_on(as_of, current=False, due_soon_days=due_soon_days).label("state"),
        )
        .select_from(Instrument)
        .join(Site, col(Site.id) == Instrument.site_id)
        .where(or_(col(Instrument.retired_at).is_(None), col(Instrument.retired_at) >= until))
        .where(or_(col(Instrument.created_at) < until, col(Instrument.last_verified_on) <= as_of))
    )
    if paths is not None:
        per = per.join(now_unit, col(now_unit.id) == Site.unit_id).where(
            under_any(col(now_unit.path), paths)
        )
    inner = per.subquery()
    state = inner.c.state
    stmt = sa_select(
        inner.c.unit_id,
        func.count(),
        _n(state == OVERDUE),
        _n(state == DUE_SOON),
        _n(state == NEVER),
    ).group_by(inner.c.unit_id)
    rows: list[tuple[Any, ...]] = [tuple(r) for r in session.execute(stmt).all()]
    return [(int(u), int(n), int(o), int(d), int(v)) for u, n, o, d, v in rows]


def _states(
    session: Session, paths: tuple[str, ...] | None, *, today: date, due_soon_days: int
) -> Any:
    """Return a subquery of the instruments in scope: site unit path, type, state today."""
    stmt = (
        sa_select(
            col(AdminUnit.path).label("path"),
            col(Instrument.type_code).label("type_code"),
            state_on(today, current=True, due_soon_days=due_soon_days).label("state"),
        )
        .select_from(Instrument)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
    )
    if paths is not None:
        stmt = stmt.where(under_any(col(AdminUnit.path), paths))
    return stmt.subquery()


def count_by_unit_path_and_state(
    session: Session, paths: tuple[str, ...] | None, *, today: date, due_soon_days: int
) -> list[tuple[str, str, int]]:
    """Return (unit path of the site, state today, count): the states of `states.state_on`,
    the report's own definition (overdue never includes failed or suspended)."""
    inner = _states(session, paths, today=today, due_soon_days=due_soon_days)
    stmt = sa_select(inner.c.path, inner.c.state, func.count()).group_by(
        inner.c.path, inner.c.state
    )
    rows: list[tuple[Any, ...]] = [tuple(r) for r in session.execute(stmt).all()]
    return [(str(p), str(s), int(n)) for p, s, n in rows]


def count_by_type_and_state(
    session: Session, paths: tuple[str, ...] | None, *, today: date, due_soon_days: int
) -> list[tuple[str, str, int]]:
    """Return (type code, state today, count) for the instruments in scope."""
    inner = _states(session, paths, today=today, due_soon_days=due_soon_days)
    stmt = sa_select(inner.c.type_code, inner.c.state, func.count()).group_by(
        inner.c.type_code, inner.c.state
    )
    rows: list[tuple[Any, ...]] = [tuple(r) for r in session.execute(stmt).all()]
    return [(str(c), str(s), int(n)) for c, s, n in rows]


def provinces_with_sites(session: Session) -> set[str]:
    """Return the codes of the provinces some site lies in (the offices' own provinces)."""
    stmt = select(AdminUnit.path).join(Site, col(Site.unit_id) == AdminUnit.id).distinct()
    return {str(path).split("/", 1)[0] for path in session.exec(stmt)}


def units_of(
    session: Session, *, scheme: str, levels: tuple[UnitLevel, ...], provinces: set[str]
) -> list[AdminUnit]:
    """Return the units of a list at these levels in these provinces, by path."""
    if not provinces:
        return []
    stmt = (
        select(AdminUnit)
        .where(AdminUnit.scheme == scheme)
        .where(col(AdminUnit.level).in_([level.value for level in levels]))
        .where(under_any(col(AdminUnit.path), tuple(f"{code}/" for code in sorted(provinces))))
    )
    return list(session.exec(stmt.order_by(col(AdminUnit.path))))
