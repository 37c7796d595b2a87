"""HTTP endpoints for sites (markets, fuel stations)."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.sites import service
from metrology_svc.sites.models import SiteKind
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.sites.schemas import SiteCreate, SiteHistory, SitePublic, SiteUpdate
from metrology_svc.units.service import unit_by_code

router = APIRouter(prefix="/sites", tags=["sites"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SitePublic)
def create_site(data: SiteCreate, session: SessionDep, user: CurrentUser) -> SitePublic:
    """Register a market, fuel station or other site."""
    return service.create_site(session, user, data)


@router.get("", response_model=Page[SitePublic])
def list_sites(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    kind: SiteKind | None = None,
    unit_code: str | None = None,
) -> Page[SitePublic]:
    """List sites, optionally of one kind or within one unit."""
    unit_path = None
    if unit_code is not None:
        unit = unit_by_code(session, unit_code)
        unit_path = unit.path
    rows, total = SiteRepository(session).page(
        params=params,
        kind=kind,
        unit_path=unit_path,
        paths=None if user.sees_everything else user.unit_paths,
    )
    return Page(
        items=[service.to_public(s, u) for s, u in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )


@router.get("/{site_id}", response_model=SitePublic)
def get_site(site_id: int, session: SessionDep, user: CurrentUser) -> SitePublic:
    """Return one site."""
    return service.to_public(*service.get_site(session, user, site_id))


@router.patch("/{site_id}", response_model=SitePublic)
def update_site(
    site_id: int, data: SiteUpdate, session: SessionDep, user: CurrentUser
) -> SitePublic:
    """Change a site's name, address, kind or position."""
    return service.update_site(session, user, site_id, data)


@router.get("/{site_id}/history", response_model=SiteHistory)
def site_history(site_id: int, session: SessionDep, user: CurrentUser) -> SiteHistory:
    """Return the site's moves between units (from, to, when, why, on what basis, by whom)."""
    return service.site_history(session, user, site_id)
