"""HTTP endpoints for administrative units and their code schemes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from metrology_svc.core.errors import NotFound
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.units import service
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate, AdminUnitPublic, UnitSchemePublic

router = APIRouter(prefix="/units", tags=["units"])

SchemeQuery = Annotated[
    str | None,
    Query(max_length=16, description="Code scheme (2004, 2025 ...); default: the one in force"),
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AdminUnitPublic)
def create_unit(data: AdminUnitCreate, session: SessionDep, user: CurrentUser) -> AdminUnitPublic:
    """Create a province, commune or (in the 2004 scheme) district (admin)."""
    user.require_admin()
    return AdminUnitPublic.model_validate(
        service.create_unit(session, data, actor=user), from_attributes=True
    )


@router.get("/schemes", response_model=list[UnitSchemePublic])
def list_schemes(session: SessionDep, user: CurrentUser) -> list[UnitSchemePublic]:
    """List the code schemes (editions of the national list), oldest first."""
    return [
        UnitSchemePublic.model_validate(s, from_attributes=True)
        for s in UnitRepository(session).schemes()
    ]


@router.get("", response_model=Page[AdminUnitPublic])
def list_units(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    scheme: SchemeQuery = None,
    level: UnitLevel | None = None,
    parent_id: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
) -> Page[AdminUnitPublic]:
    """List units of a scheme, optionally one level, the children of one unit, or by name."""
    key = scheme or service.current_scheme(session).key
    rows, total = UnitRepository(session).page(
        params=params,
        level=level,
        parent_id=parent_id,
        paths=None if user.sees_everything else user.unit_paths,
        scheme=key,
        search=q,
    )
    return Page(
        items=[AdminUnitPublic.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )


@router.get("/{code}", response_model=AdminUnitPublic)
def get_unit(
    code: str, session: SessionDep, user: CurrentUser, scheme: SchemeQuery = None
) -> AdminUnitPublic:
    """Return one unit by its official code (in the scheme in force, unless named)."""
    key = scheme or service.current_scheme(session).key
    unit = UnitRepository(session).by_code(code, key)
    if unit is None:
        raise NotFound(
            f"No administrative unit with code {code} in scheme {key}.",
            message_vi=f"Không có đơn vị hành chính mã {code} trong danh mục {key}.",
        )
    # As in the list: an inspector sees their own area and the units above it, nothing beside it.
    if not any(p.startswith(unit.path) for p in user.unit_paths):
        user.require_read(unit.path)
    return AdminUnitPublic.model_validate(unit, from_attributes=True)
