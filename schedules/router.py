"""HTTP endpoints for verification rounds: the plan as JSON and as an XLSX workbook."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from metrology_svc.core.errors import Invalid
from metrology_svc.deps import CurrentUser, SessionDep, TodayDep
from metrology_svc.units.service import unit_by_code
from schedules.repository import RoundsRepository
from schedules.rounds import Plan, SiteLoad, plan_rounds, plan_to_xlsx
from schedules.schemas import RoundPlanPublic, UnplannedPublic, VisitPublic

router = APIRouter(prefix="/rounds", tags=["rounds"])
MAX_WINDOW_DAYS = 366


class RoundQuery:
    """The query of a round plan, checked: a known unit, a window, a daily capacity."""

    def __init__(
        self,
        session: SessionDep,
        user: CurrentUser,
        today: TodayDep,
        unit_code: Annotated[str, Query(min_length=1, max_length=16)],
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        capacity: Annotated[int, Query(ge=1, le=1000, description="Instruments/day")] = 40,
    ) -> None:
        unit = unit_by_code(session, unit_code)
        user.require_read(unit.path)
        self.unit_code, self.unit_path, self.capacity = unit_code, unit.path, capacity
        self.first = date_from or today
        self.last = date_to or self.first + timedelta(days=30)
        if not 0 <= (self.last - self.first).days <= MAX_WINDOW_DAYS:
            raise Invalid(
                f"The window must run forwards and last at most {MAX_WINDOW_DAYS} days.",
                message_vi=f"Khoảng thời gian phải tăng dần và không quá {MAX_WINDOW_DAYS} ngày.",
                loc=["query", "to"],
            )
        repo = RoundsRepository(session)
        self.sites = repo.site_loads(unit_path=unit.path, due_by=self.last)
        self.inspectors = repo.inspectors(unit_path=unit.path)

    def plan(self) -> Plan:
        """Return the proposed plan."""
        return plan_rounds(
            self.sites, self.inspectors, first=self.first, last=self.last, capacity=self.capacity
        )


def _public(query: RoundQuery, plan: Plan) -> RoundPlanPublic:
    names = {s.site_id: s.site_name for s in query.sites}
    return RoundPlanPublic(
        unit_code=query.unit_code,
        date_from=query.first,
        date_to=query.last,
        capacity=query.capacity,
        inspectors=len(query.inspectors),
        sites=len(query.sites),
        instruments=sum(s.instruments for s in query.sites),
        visits=[VisitPublic.model_validate(v, from_attributes=True) for v in plan.visits],
        unplanned=[
            UnplannedPublic(site_id=sid, site_name=names[sid], instruments_left=n)
            for sid, n in sorted(plan.unplanned.items())
        ],
    )


@router.get("", response_model=RoundPlanPublic)
def get_round(query: Annotated[RoundQuery, Depends()]) -> RoundPlanPublic:
    """Propose visit days for due and overdue instruments, site by site."""
    return _public(query, query.plan())


@router.get("/export.xlsx", response_class=Response)
def export_round(query: Annotated[RoundQuery, Depends()]) -> Response:
    """Return the proposed round as an XLSX workbook."""
    sites: list[SiteLoad] = query.sites
    return Response(
        plan_to_xlsx(query.plan(), sites),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="round-{query.unit_code}.xlsx"'},
    )
