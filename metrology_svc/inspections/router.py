"""HTTP endpoints for state inspections and the offline sync of their findings."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response, status

from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.inspections import measure_sync, procedure, service, sync
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import (
    CloseIn,
    DecisionIn,
    InspectionCreate,
    InspectionDetail,
    InspectionPublic,
    MeasureIn,
    MeasurePublic,
    SyncRequest,
    SyncResult,
    TeamIn,
)
from metrology_svc.units.service import unit_by_code

router = APIRouter(prefix="/inspections", tags=["inspections"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InspectionPublic)
def create_inspection(
    data: InspectionCreate, session: SessionDep, user: CurrentUser, today: TodayDep
) -> InspectionPublic:
    """Open a state inspection at a site (kiểm tra nhà nước về đo lường)."""
    return service.to_public(service.create_inspection(session, user, data, today=today), {})


@router.get("", response_model=Page[InspectionPublic])
def list_inspections(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    unit_code: Annotated[str | None, Query(max_length=16)] = None,
    site_id: int | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    open_only: bool = False,
) -> Page[InspectionPublic]:
    """List the inspections the user may see, newest first, by unit, site, year or open."""
    unit_path = unit_by_code(session, unit_code).path if unit_code is not None else None
    repo = InspectionRepository(session)
    rows, total = repo.page(
        visible_paths=None if user.sees_everything else user.unit_paths,
        unit_path=unit_path,
        site_id=site_id,
        first=date(year, 1, 1) if year else None,
        last=date(year, 12, 31) if year else None,
        open_only=open_only,
        limit=params.limit,
        offset=params.offset,
    )
    counts = repo.kind_counts([r[0].id for r in rows if r[0].id is not None])
    items = [service.to_public(r, counts.get(r[0].id or 0, {})) for r in rows]
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.get("/{inspection_id}", response_model=InspectionDetail)
def get_inspection(inspection_id: int, session: SessionDep, user: CurrentUser) -> InspectionDetail:
    """Return an inspection with its findings."""
    return service.detail(session, service.get_inspection(session, user, inspection_id))


@router.post("/{inspection_id}/findings/sync", response_model=SyncResult)
def sync_findings(
    inspection_id: int,
    data: SyncRequest,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> SyncResult:
    """Store findings and measures made offline, each exactly once (resends come back as
    duplicates); measures after findings."""
    result = sync.sync_findings(
        session, user, inspection_id, data.items, settings=settings, today=today
    )
    if data.measures:
        result.measures = measure_sync.sync_measures(
            session, user, inspection_id, data.measures, settings=settings, today=today
        )
    return result


@router.put("/{inspection_id}/decision", response_model=InspectionDetail)
def put_decision(
    inspection_id: int,
    data: DecisionIn,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> InspectionDetail:
    """Record the inspection decision (quyết định kiểm tra) and the party inspected."""
    procedure.record_decision(session, user, inspection_id, data, settings=settings, today=today)
    return service.detail(session, service.get_inspection(session, user, inspection_id))


@router.put("/{inspection_id}/team", response_model=InspectionDetail)
def put_team(
    inspection_id: int, data: TeamIn, session: SessionDep, user: CurrentUser
) -> InspectionDetail:
    """Put the inspection team in place (đoàn kiểm tra: one leader with a certificate)."""
    procedure.set_team(session, user, inspection_id, data)
    return service.detail(session, service.get_inspection(session, user, inspection_id))


@router.post(
    "/{inspection_id}/measures", status_code=status.HTTP_201_CREATED, response_model=MeasurePublic
)
def add_measure(
    inspection_id: int,
    data: MeasureIn,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> MeasurePublic:
    """Record a measure (sealing, suspension, verification request, violation proposal);
    a resend with the same client_uuid answers 200 with the stored one."""
    measure, created = procedure.add_measure(
        session, user, inspection_id, data, settings=settings, today=today
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return MeasurePublic.model_validate(measure, from_attributes=True)


@router.post("/{inspection_id}/close", response_model=InspectionPublic)
def close_inspection(
    inspection_id: int,
    session: SessionDep,
    user: CurrentUser,
    data: Annotated[CloseIn | None, Body()] = None,
) -> InspectionPublic:
    """Close an inspection that has its decision and leader, recording how the minutes were
    signed; later findings need a new one (resends still answer duplicate)."""
    placed = service.close_inspection(session, user, inspection_id, data)
    assert placed[0].id is not None
    counts = InspectionRepository(session).kind_counts([placed[0].id])[placed[0].id]
    return service.to_public(placed, counts)
