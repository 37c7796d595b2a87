"""HTTP endpoints for verification rounds (JSON, XLSX, PDF) and the offices' days off."""

from collections import Counter
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import Invalid
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.units.service import unit_by_code
from schedules import round_service
from schedules.repository import RoundsRepository
from schedules.round_sheet import round_xlsx
from schedules.rounds import RoundBook, Urgency, site_key, site_score, urgency
from schedules.schemas import (
    DayOffCreate,
    DayOffPublic,
    RoundPlanPublic,
    SitePriorityPublic,
    UnplannedPublic,
    VisitPublic,
)

router = APIRouter(prefix="/rounds", tags=["rounds"])
MAX_WINDOW_DAYS = 366
YEARS = (2000, 2099)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UnitCode = Annotated[str, Query(min_length=1, max_length=16)]
DayOffId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL integer ids


def _window(first: date, last: date | None) -> date:
    """Check a window (the default end: 30 days on) and return its last day."""
    for day, name in ((first, "from"), (last, "to")):
        if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
            # Beyond these years the holiday calendar (Tết is lunar) has no data.
            raise Invalid(
                f"Rounds are planned between {YEARS[0]} and {YEARS[1]}.",
                message_vi=f"Chỉ lập kế hoạch trong các năm {YEARS[0]} đến {YEARS[1]}.",
                loc=["query", name],
            )
    last = last or first + timedelta(days=30)
    if not 0 <= (last - first).days <= MAX_WINDOW_DAYS:
        raise Invalid(
            f"The window must run forwards and last at most {MAX_WINDOW_DAYS} days.",
            message_vi=f"Khoảng thời gian phải tăng dần và không quá {MAX_WINDOW_DAYS} ngày.",
            loc=["query", "to"],
        )
    return last


class RoundQuery:
    """The query of a round plan, checked: a known unit, a window, a daily capacity."""

    def __init__(
        self,
        session: SessionDep,
        user: CurrentUser,
        today: TodayDep,
        unit_code: UnitCode,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        capacity: Annotated[int, Query(ge=1, le=1000, description="Instruments/day")] = 40,
    ) -> None:
        self.unit = unit_by_code(session, unit_code)
        user.require_read(self.unit.path)
        self.session, self.user, self.today = session, user, today
        self.unit_code, self.capacity = unit_code, capacity
        self.first = date_from or today
        self.last = _window(self.first, date_to)

    def book(self) -> RoundBook:
        """Return the proposed round."""
        return round_service.build_round(
            self.session, self.unit, first=self.first, last=self.last, capacity=self.capacity
        )


def _priority(book: RoundBook) -> list[SitePriorityPublic]:
    out = []
    for site in sorted(book.sites, key=lambda s: site_key(s, first=book.first)):
        n = Counter(urgency(i, first=book.first) for i in site.instruments)
        out.append(
            SitePriorityPublic(
                site_id=site.site_id,
                site_name=site.site_name,
                commune=site.commune,
                score=site_score(site, first=book.first),
                failed=n[Urgency.FAILED],
                overdue=n[Urgency.OVERDUE],
                due=n[Urgency.DUE],
                never_verified=n[Urgency.NEVER_VERIFIED],
            )
        )
    return out


def _public(query: RoundQuery, book: RoundBook) -> RoundPlanPublic:
    plan = book.plan
    return RoundPlanPublic(
        unit_code=query.unit_code,
        date_from=book.first,
        date_to=book.last,
        capacity=book.capacity,
        inspectors=book.inspectors,
        sites=len(book.sites),
        instruments=sum(len(s.instruments) for s in book.sites),
        priority=_priority(book),
        days_off=[
            DayOffPublic(
                day=d.day,
                reason=d.reason,
                source="office" if d.unit_name else "holiday",
                unit_name=d.unit_name,
            )
            for d in book.days_off
        ],
        visits=[
            VisitPublic(
                day=v.day,
                inspector_id=v.inspector_id,
                inspector=v.inspector,
                site_id=v.site_id,
                site_name=v.site_name,
                unit_id=v.unit_id,
                instruments=v.instruments,
                instrument_ids=list(v.instrument_ids),
            )
            for v in plan.visits
        ],
        unplanned=[
            UnplannedPublic(
                site_id=sid,
                site_name=book.site(sid).site_name,
                instruments_left=len(ids),
                instrument_ids=list(ids),
            )
            for sid, ids in sorted(plan.unplanned.items())
        ],
    )


@router.get("", response_model=RoundPlanPublic)
def get_round(query: Annotated[RoundQuery, Depends()]) -> RoundPlanPublic:
    """Propose visit days for failed, overdue, falling-due and never-verified instruments."""
    return _public(query, query.book())


@router.get("/export.xlsx", response_class=Response)
def export_round(query: Annotated[RoundQuery, Depends()]) -> Response:
    """Return the proposed round as an XLSX working plan."""
    return Response(
        round_xlsx(query.book()),
        media_type=XLSX,
        headers=disposition_headers(f"round-{query.unit_code}.xlsx"),
    )


@router.get("/plan.pdf", response_class=Response)
def print_round(query: Annotated[RoundQuery, Depends()], settings: SettingsDep) -> Response:
    """Return the round as the office's plan (KẾ HOẠCH), numbered from the register."""
    query.user.require_write(query.unit.path)
    pdf = round_service.round_pdf(
        query.session, query.book(), query.unit, settings=settings, today=query.today
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers=disposition_headers(f"round-{query.unit_code}.pdf", kind="inline"),
    )


@router.get("/days-off", response_model=list[DayOffPublic])
def list_days_off(
    session: SessionDep,
    user: CurrentUser,
    today: TodayDep,
    unit_code: UnitCode,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> list[DayOffPublic]:
    """List the days off that close a unit or part of it: its offices' and the public holidays."""
    unit = unit_by_code(session, unit_code)
    user.require_read(unit.path)
    first = date_from or date(today.year, 1, 1)
    last = _window(first, date_to or date(first.year, 12, 31))
    holidays = [
        DayOffPublic(day=d.day, reason=d.reason, source="holiday")
        for d in round_service.closures(session, unit, first=first, last=last)[1]
        if not d.unit_name
    ]
    offices = [
        DayOffPublic(
            id=off.id,
            day=off.day,
            reason=off.reason,
            source="office",
            unit_code=u.code,
            unit_name=u.name,
        )
        for off, u in RoundsRepository(session).days_off(
            unit_path=unit.path, first=first, last=last
        )
    ]
    return sorted(holidays + offices, key=lambda d: (d.day, d.unit_code))


@router.post("/days-off", status_code=status.HTTP_201_CREATED, response_model=DayOffPublic)
def add_day_off(data: DayOffCreate, session: SessionDep, user: CurrentUser) -> DayOffPublic:
    """Declare a day off for a unit and everything under it (admin)."""
    user.require_admin()
    unit = unit_by_code(session, data.unit_code, loc=["body", "unit_code"])
    off = round_service.add_day_off(session, user, unit=unit, day=data.day, reason=data.reason)
    return DayOffPublic(
        id=off.id,
        day=off.day,
        reason=off.reason,
        source="office",
        unit_code=unit.code,
        unit_name=unit.name,
    )


@router.delete("/days-off/{day_off_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_day_off(day_off_id: DayOffId, session: SessionDep, user: CurrentUser) -> Response:
    """Remove a day off an office declared (admin)."""
    user.require_admin()
    round_service.remove_day_off(session, user, day_off_id=day_off_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
