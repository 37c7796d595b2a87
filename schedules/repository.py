"""Queries for verification rounds: due instruments per site, and the inspectors who cover them."""

from datetime import date

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from metrology_svc.auth.models import Role, User, UserUnit
from metrology_svc.core.scope import under_any
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit
from schedules.rounds import Inspector, SiteLoad

ROUND_STATUSES = (InstrumentStatus.DUE.value, InstrumentStatus.OVERDUE.value)


class RoundsRepository:
    """Reads what a verification round needs."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def site_loads(self, *, unit_path: str, due_by: date) -> list[SiteLoad]:
        """Return, per site under the unit, the due or overdue instruments due by a date."""
        stmt = (
            sa_select(
                col(Site.id),
                col(Site.name),
                col(AdminUnit.path),
                func.count(),
                func.min(Instrument.due_date),
            )
            .join(Instrument, col(Instrument.site_id) == Site.id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(under_any(col(AdminUnit.path), (unit_path,)))
            .where(col(Instrument.status).in_(ROUND_STATUSES))
            .where(col(Instrument.due_date) <= due_by)
            .where(col(Site.retired_at).is_(None))
            .group_by(col(Site.id), col(Site.name), col(AdminUnit.path))
        )
        rows: list[tuple[int, str, str, int, date]] = [
            tuple(r)  # type: ignore[misc]
            for r in self.session.execute(stmt)
        ]
        return [SiteLoad(sid, name, path, n, due) for sid, name, path, n, due in rows]

    def inspectors(self, *, unit_path: str) -> list[Inspector]:
        """Return active inspectors whose jurisdiction overlaps the unit (above or below it)."""
        stmt = (
            select(User.id, User.name, AdminUnit.path)
            .join(UserUnit, col(UserUnit.user_id) == User.id)
            .join(AdminUnit, col(AdminUnit.id) == UserUnit.unit_id)
            .where(col(User.role) == Role.INSPECTOR.value, col(User.disabled).is_(False))
            .order_by(col(User.id))
        )
        paths: dict[int, tuple[str, list[str]]] = {}
        for user_id, name, path in self.session.exec(stmt):
            if path.startswith(unit_path) or unit_path.startswith(path):
                paths.setdefault(int(user_id or 0), (name, []))[1].append(path)
        return [Inspector(uid, name, tuple(p)) for uid, (name, p) in paths.items()]
