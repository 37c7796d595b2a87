"""HTTP endpoints for state inspections and the offline sync of their findings."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.inspections import service, sync
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import (
    InspectionCreate,
    InspectionDetail,
    InspectionPublic,
    SyncRequest,
    SyncResult,
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
    """Store findings made offline, each exactly once (resends come back as duplicates)."""
    return sync.sync_findings(
        session, user, inspection_id, data.items, settings=settings, today=today
    )


@router.post("/{inspection_id}/close", response_model=InspectionPublic)
def close_inspection(
    inspection_id: int, session: SessionDep, user: CurrentUser
) -> InspectionPublic:
    """Close an inspection; later findings need a new one (resends still answer duplicate)."""
    placed = service.close_inspection(session, user, inspection_id)
    assert placed[0].id is not None
    counts = InspectionRepository(session).kind_counts([placed[0].id])[placed[0].id]
    return service.to_public(placed, counts)
