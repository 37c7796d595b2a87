"""HTTP endpoints for owners (stall holders, fuel companies)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.owners import service
from metrology_svc.owners.merge import merge_owners
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.owners.schemas import (
    OwnerCreate,
    OwnerMerge,
    OwnerMergeResult,
    OwnerPublic,
    OwnerUpdate,
)

router = APIRouter(prefix="/owners", tags=["owners"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OwnerPublic)
def create_owner(data: OwnerCreate, session: SessionDep, user: CurrentUser) -> OwnerPublic:
    """Register a household business or company (a national ID is answered to admins only)."""
    return service.shown(service.create_owner(session, user, data), user)


@router.get("", response_model=Page[OwnerPublic])
def list_owners(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    q: Annotated[
        str | None,
        Query(max_length=100, description="Name, tax code or phone; national ID for admins"),
    ] = None,
) -> Page[OwnerPublic]:
    """List owners, optionally those matching a search text."""
    personal = service.sees_personal_data(user)
    rows, total = OwnerRepository(session).page(params=params, q=q, national_id=personal)
    items = [service.shown(o, user) for o in rows]
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.get("/{owner_id}", response_model=OwnerPublic)
def get_owner(owner_id: int, session: SessionDep, user: CurrentUser) -> OwnerPublic:
    """Return one owner (its national ID to administrators only)."""
    return service.shown(service.get_owner(session, owner_id), user)


@router.patch("/{owner_id}", response_model=OwnerPublic)
def update_owner(
    owner_id: int, data: OwnerUpdate, session: SessionDep, user: CurrentUser
) -> OwnerPublic:
    """Change an owner's details: contact data and language by an administrator or an
    inspector whose units hold all the owner's instruments; the identity the public stamp
    page shows (name, trade name, kind, tax code) and the national ID by an administrator
    only."""
    return service.shown(service.update_owner(session, user, owner_id, data), user)


@router.post("/{owner_id}/merge", response_model=OwnerMergeResult)
def merge_owner(
    owner_id: int, data: OwnerMerge, session: SessionDep, user: CurrentUser
) -> OwnerMergeResult:
    """Fold a duplicate owner into this one (administrators only): its instruments (each with
    a history event), notices' owner links (not the recipient their letters printed), notice
    channels, portal accounts and inspection decisions move here; the duplicate is removed and
    kept whole in the `owner.merge` audit record."""
    return merge_owners(session, user, owner_id, data.duplicate_id)
