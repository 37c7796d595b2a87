"""HTTP endpoints for inspection plans (kế hoạch kiểm tra nhà nước về đo lường)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.inspection_plans import opening, service, targets, views
from metrology_svc.inspection_plans.models import PlanState
from metrology_svc.inspection_plans.repository import PlanRepository
from metrology_svc.inspection_plans.schemas import (
    InspectionOpen,
    OpenedInspection,
    PlanApprove,
    PlanCreate,
    PlanDetail,
    PlanPublic,
    PlanUpdate,
    TargetPublic,
    TargetsAdd,
)

router = APIRouter(prefix="/inspection-plans", tags=["inspection plans"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanDetail)
def create_plan(
    data: PlanCreate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> PlanDetail:
    """Create a draft inspection plan (administrators)."""
    plan = service.create_plan(session, user, data)
    return views.plan_detail(session, plan, settings=settings)


@router.get("", response_model=Page[PlanPublic])
def list_plans(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    state: PlanState | None = None,
) -> Page[PlanPublic]:
    """List the plans the user may read (inspectors: plans covering their units)."""
    repo = PlanRepository(session)
    plans, total = repo.page(
        visible_paths=None if user.sees_everything else user.unit_paths,
        year=year,
        state=state,
        limit=params.limit,
        offset=params.offset,
    )
    progress = repo.progress([p.id for p in plans if p.id is not None])
    items = [
        views.plan_public(session, p, settings=settings, progress=progress.get(p.id or 0, (0, 0)))
        for p in plans
    ]
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.get("/{plan_id}", response_model=PlanDetail)
def get_plan(
    plan_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> PlanDetail:
    """Return a plan with its targets and which are done."""
    return views.plan_detail(session, service.get_plan(session, user, plan_id), settings=settings)


@router.patch("/{plan_id}", response_model=PlanDetail)
def update_plan(
    plan_id: int, data: PlanUpdate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> PlanDetail:
    """Change a draft plan (an approved plan is refused with 409)."""
    plan = service.update_plan(session, user, plan_id, data)
    return views.plan_detail(session, plan, settings=settings)


@router.post(
    "/{plan_id}/targets", status_code=status.HTTP_201_CREATED, response_model=list[TargetPublic]
)
def add_targets(
    plan_id: int, data: TargetsAdd, session: SessionDep, user: CurrentUser
) -> list[TargetPublic]:
    """Add planned targets (site and month or window) to a draft plan, all or none."""
    added = targets.add_targets(session, user, plan_id, data.targets)
    by_id = {t[0].id: t for t in PlanRepository(session).targets(plan_id)}
    return [views.target_public(by_id[t.id]) for t in added]


@router.delete("/{plan_id}/targets/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_target(plan_id: int, target_id: int, session: SessionDep, user: CurrentUser) -> None:
    """Remove a target from a draft plan."""
    targets.remove_target(session, user, plan_id, target_id)


@router.post("/{plan_id}/approve", response_model=PlanDetail)
def approve_plan(
    plan_id: int,
    data: PlanApprove,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> PlanDetail:
    """Approve a plan: its number from the register ("Số: 05/KH-SKHCN"); it is then frozen."""
    plan = service.approve_plan(session, user, plan_id, data, today=today, settings=settings)
    return views.plan_detail(session, plan, settings=settings)


@router.post(
    "/{plan_id}/targets/{target_id}/inspection",
    status_code=status.HTTP_201_CREATED,
    response_model=OpenedInspection,
)
def open_inspection(
    plan_id: int,
    target_id: int,
    data: InspectionOpen,
    session: SessionDep,
    user: CurrentUser,
    today: TodayDep,
) -> OpenedInspection:
    """Open the inspection of a target of an approved plan (once; again: 409)."""
    inspection_id, placed = opening.open_inspection(
        session, user, plan_id, target_id, data, today=today
    )
    return OpenedInspection(inspection_id=inspection_id, target=views.target_public(placed))


@router.get("/{plan_id}/plan.pdf", response_class=Response)
def plan_pdf(
    plan_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    """Return the plan printed as an official document (a draft prints without a number)."""
    plan = service.get_plan(session, user, plan_id)
    return Response(
        content=views.printed_plan(session, plan, settings=settings),
        media_type="application/pdf",
        headers=disposition_headers(views.pdf_name(plan), kind="inline"),
    )
