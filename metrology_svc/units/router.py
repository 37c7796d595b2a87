"""HTTP endpoints for administrative units."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from metrology_svc.core.errors import NotFound
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.units import service
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate, AdminUnitPublic

router = APIRouter(prefix="/units", tags=["units"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AdminUnitPublic)
def create_unit(data: AdminUnitCreate, session: SessionDep, user: CurrentUser) -> AdminUnitPublic:
    """Create a province, district or commune (admin)."""
    user.require_admin()
    return AdminUnitPublic.model_validate(service.create_unit(session, data), from_attributes=True)


@router.get("", response_model=Page[AdminUnitPublic])
def list_units(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    level: UnitLevel | None = None,
    parent_id: Annotated[int | None, Query(ge=1)] = None,
) -> Page[AdminUnitPublic]:
    """List units, optionally one level or the children of one unit."""
    rows, total = UnitRepository(session).page(
        params=params,
        level=level,
        parent_id=parent_id,
        paths=None if user.sees_everything else user.unit_paths,
    )
    return Page(
        items=[AdminUnitPublic.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )


@router.get("/{code}", response_model=AdminUnitPublic)
def get_unit(code: str, session: SessionDep, user: CurrentUser) -> AdminUnitPublic:
    """Return one unit by its official code."""
    unit = UnitRepository(session).by_code(code)
    if unit is None:
        raise NotFound(
            f"No administrative unit with code {code}.",
            message_vi=f"Không có đơn vị hành chính mã {code}.",
        )
    # As in the list: an inspector sees their own area and the units above it, nothing beside it.
    if not any(p.startswith(unit.path) for p in user.unit_paths):
        user.require_read(unit.path)
    return AdminUnitPublic.model_validate(unit, from_attributes=True)
