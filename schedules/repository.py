"""Queries for verification rounds: instruments to verify per site, inspectors, days off."""

from datetime import date

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from metrology_svc.auth.models import Role, User, UserUnit
from metrology_svc.core.issuer import place_of
from metrology_svc.core.scope import ancestors, under_any
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit
from schedules.models import OfficeDayOff
from schedules.rounds import NOT_TO_BE_USED, Inspector, RoundInstrument, SiteLoad

# Statuses whose due date puts an instrument in a round; a failed one, or one found without a
# valid verification (not to be used), is in it whatever its date; a registered one without a
# due date has never been verified. Suspended and retired
# instruments wait for their owner (repair, or nothing to do).
DATED = (
    InstrumentStatus.REGISTERED.value,
    InstrumentStatus.IN_SERVICE.value,
    InstrumentStatus.DUE.value,
    InstrumentStatus.OVERDUE.value,
)


class RoundsRepository:
    """Reads what a verification round needs, and keeps the offices' days off."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def site_loads(self, *, unit_path: str, due_by: date) -> list[SiteLoad]:
        """Return, per active site under the unit, the instruments a round up to a day verifies:
        failed ones, never-verified ones, and those due by that day (overdue included)."""
        status = col(Instrument.status)
        stmt = (
            sa_select(
                col(Site.id),
                col(Site.name),
                col(Site.address),
                col(AdminUnit.id),
                col(AdminUnit.path),
                col(AdminUnit.name),
                col(AdminUnit.division_type),
                col(Instrument.id),
                col(InstrumentType.name_vi),
                col(Instrument.serial),
                col(Owner.name),
                col(Owner.trade_name),
                status,
                col(Instrument.due_date),
            )
            .join(Instrument, col(Instrument.site_id) == Site.id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .join(Owner, col(Owner.id) == Instrument.owner_id)
            .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
            .where(under_any(col(AdminUnit.path), (unit_path,)))
            .where(col(Site.retired_at).is_(None), col(Instrument.retired_at).is_(None))
            .where(
                or_(
                    status.in_((InstrumentStatus.FAILED.value, NOT_TO_BE_USED)),
                    and_(
                        status == InstrumentStatus.REGISTERED.value,
                        col(Instrument.due_date).is_(None),
                    ),
                    and_(status.in_(DATED), col(Instrument.due_date) <= due_by),
                )
            )
            .order_by(col(Site.id), col(Instrument.id))
        )
        sites: dict[int, SiteLoad] = {}
        items: dict[int, list[RoundInstrument]] = {}
        for row in self.session.execute(stmt):
            sid, name, address, unit_id, path, unit_name, division, iid = row[:8]
            type_name, serial, owner, stall, state, due = row[8:]
            commune = place_of(division, unit_name).full  # "phường Sông Trí"
            sites.setdefault(sid, SiteLoad(sid, name, address, unit_id, path, commune, ()))
            items.setdefault(sid, []).append(
                RoundInstrument(iid, type_name, serial, owner, stall or "", str(state), due)
            )
        return [
            SiteLoad(
                s.site_id,
                s.site_name,
                s.address,
                s.unit_id,
                s.unit_path,
                s.commune,
                tuple(items[sid]),
            )
            for sid, s in sites.items()
        ]

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

    def days_off(
        self, *, unit_path: str, first: date, last: date
    ) -> list[tuple[OfficeDayOff, AdminUnit]]:
        """Return the days off between two dates declared for the unit, a unit above it (they
        close it) or a unit under it (they close that part), by day."""
        stmt = (
            select(OfficeDayOff, AdminUnit)
            .join(AdminUnit, col(AdminUnit.id) == OfficeDayOff.unit_id)
            .where(col(OfficeDayOff.day) >= first, col(OfficeDayOff.day) <= last)
            .where(
                or_(
                    col(AdminUnit.path).in_(ancestors((unit_path,))),
                    under_any(col(AdminUnit.path), (unit_path,)),
                )
            )
            .order_by(col(OfficeDayOff.day), col(AdminUnit.path))
        )
        return [(day, unit) for day, unit in self.session.exec(stmt)]

    def day_off(self, day_off_id: int) -> tuple[OfficeDayOff, AdminUnit] | None:
        """Return a day off and its unit."""
        stmt = (
            select(OfficeDayOff, AdminUnit)
            .join(AdminUnit, col(AdminUnit.id) == OfficeDayOff.unit_id)
            .where(col(OfficeDayOff.id) == day_off_id)
        )
        found = self.session.exec(stmt).first()
        return (found[0], found[1]) if found else None

    def find_day_off(self, *, unit_id: int, day: date) -> OfficeDayOff | None:
        """Return the day off declared for a unit on a day, if there is one."""
        stmt = select(OfficeDayOff).where(
            col(OfficeDayOff.unit_id) == unit_id, col(OfficeDayOff.day) == day
        )
        return self.session.exec(stmt).first()

    def add_day_off(self, day_off: OfficeDayOff) -> OfficeDayOff:
        """Store a day off (flushed, not committed)."""
        self.session.add(day_off)
        self.session.flush()
        return day_off

    def delete_day_off(self, day_off: OfficeDayOff) -> None:
        """Remove a day off (flushed, not committed)."""
        self.session.delete(day_off)
        self.session.flush()
