"""Verification rounds as an office issues them: the days off, the plan, and its printed form.

Reads through the repository and never commits: the router owns the unit of work.
"""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, NotFound
from metrology_svc.core.issuer import IssuingBody, commune_body, place_of, province_body
from metrology_svc.documents.render import render_document
from metrology_svc.documents.rules import number_text
from metrology_svc.documents.service import number_for
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from schedules.models import OfficeDayOff
from schedules.repository import RoundsRepository
from schedules.round_document import DOC_TYPE, Issue, round_document
from schedules.rounds import EVERYWHERE, DayOff, RoundBook, plan_rounds, public_holidays


def closures(
    session: Session, unit: AdminUnit, *, first: date, last: date
) -> tuple[dict[date, list[str]], list[DayOff]]:
    """Return the unit paths closed on each day of a window, and the days off to print.

    A public holiday closes everywhere; an office's day off closes its unit and what is under it.
    """
    closed: dict[date, list[str]] = {}
    listed: list[DayOff] = []
    for day, name in public_holidays(first, last).items():
        closed.setdefault(day, []).append(EVERYWHERE)
        if day.weekday() < 5:
            listed.append(DayOff(day, name))
    for off, off_unit in RoundsRepository(session).days_off(
        unit_path=unit.path, first=first, last=last
    ):
        # A unit above the round's closes all of it: the round's own path says so.
        path = off_unit.path if off_unit.path.startswith(unit.path) else unit.path
        closed.setdefault(off.day, []).append(path)
        if off.day.weekday() < 5:
            listed.append(DayOff(off.day, off.reason, off_unit.name))
    return closed, sorted(listed, key=lambda d: (d.day, d.unit_name))


def build_round(
    session: Session, unit: AdminUnit, *, first: date, last: date, capacity: int
) -> RoundBook:
    """Return the proposed round of a unit for a window."""
    repo = RoundsRepository(session)
    sites = repo.site_loads(unit_path=unit.path, due_by=last)
    inspectors = repo.inspectors(unit_path=unit.path)
    closed, days_off = closures(session, unit, first=first, last=last)
    plan = plan_rounds(sites, inspectors, first=first, last=last, capacity=capacity, closed=closed)
    name = place_of(unit.division_type, unit.name).full  # "tỉnh Hà Tĩnh"
    return RoundBook(name, first, last, capacity, len(inspectors), sites, plan, days_off)


def issuer_of(session: Session, unit: AdminUnit, settings: Settings) -> IssuingBody:
    """Return who issues a unit's plan: a commune its people's committee, else the province's
    department."""
    province = UnitRepository(session).by_code(unit.path.split("/", 1)[0], unit.scheme) or unit
    above = place_of(province.division_type, province.name)
    if unit.level == UnitLevel.COMMUNE:
        return commune_body(settings, place_of(unit.division_type, unit.name), above)
    return province_body(settings, above)


def round_pdf(
    session: Session, book: RoundBook, unit: AdminUnit, *, settings: Settings, today: date
) -> bytes:
    """Return the plan as a PDF; it takes its register number on its first printing (a reprint
    of the same unit and window keeps it)."""
    body = issuer_of(session, unit, settings)
    number = number_for(
        session,
        ref=f"round:{unit.scheme}:{unit.code}:{book.first}:{book.last}",
        issuer_code=body.name,
        year=today.year,
        doc_type=DOC_TYPE,
    )
    configured = (settings.document_signer_authority, settings.document_signer_position)
    issue = Issue(
        body=body,
        number=number_text(
            number=number,
            doc_type=DOC_TYPE,
            issuer=settings.document_issuer_abbreviation or body.symbol,
        ),
        issued_on=today,
        signer=tuple(line for line in configured if line) or body.signer,
        signer_name=settings.document_signer_name,
        archive=settings.document_archive,
    )
    return render_document(round_document(book, issue))


def add_day_off(
    session: Session, user: Principal, *, unit: AdminUnit, day: date, reason: str
) -> OfficeDayOff:
    """Declare a day off for a unit; refuse a second one for the same unit and day."""
    repo = RoundsRepository(session)
    if repo.find_day_off(unit_id=unit.id or 0, day=day) is not None:
        raise _duplicate(unit, day)
    try:
        with session.begin_nested():
            off = repo.add_day_off(
                OfficeDayOff(
                    unit_id=unit.id or 0, day=day, reason=reason, created_by_user_id=user.user_id
                )
            )
    except IntegrityError:  # declared at the same moment by someone else
        raise _duplicate(unit, day) from None
    audit(
        session, actor=user, action="day_off.add", entity="office_day_off", entity_id=off.id,
        detail={"unit": unit.code, "day": day.isoformat(), "reason": reason},
    )  # fmt: skip
    return off


def _duplicate(unit: AdminUnit, day: date) -> Conflict:
    return Conflict(
        f"{unit.name} already has a day off on {day.isoformat()}.",
        message_vi=f"{unit.name} đã có ngày nghỉ {day:%d/%m/%Y}.",
    )


def remove_day_off(session: Session, user: Principal, *, day_off_id: int) -> None:
    """Remove a day off an office declared."""
    repo = RoundsRepository(session)
    found = repo.day_off(day_off_id)
    if found is None:
        raise NotFound(
            f"No day off {day_off_id}.", message_vi=f"Không có ngày nghỉ số {day_off_id}."
        )
    off, unit = found
    audit(
        session, actor=user, action="day_off.remove", entity="office_day_off", entity_id=off.id,
        detail={"unit": unit.code, "day": off.day.isoformat(), "reason": off.reason},
    )  # fmt: skip
    repo.delete_day_off(off)
