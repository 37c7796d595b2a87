"""HTTP endpoints for owners (stall holders, fuel companies)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.owners import service
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.owners.schemas import OwnerCreate, OwnerPublic, OwnerUpdate

router = APIRouter(prefix="/owners", tags=["owners"])


def _public(owner: object) -> OwnerPublic:
    return OwnerPublic.model_validate(owner, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OwnerPublic)
def create_owner(data: OwnerCreate, session: SessionDep, user: CurrentUser) -> OwnerPublic:
    """Register a household business or company."""
    return _public(service.create_owner(session, user, data))


@router.get("", response_model=Page[OwnerPublic])
def list_owners(
    session: SessionDep,
    _user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    q: Annotated[str | None, Query(max_length=100, description="Name, tax code or phone")] = None,
) -> Page[OwnerPublic]:
    """List owners, optionally those matching a search text."""
    rows, total = OwnerRepository(session).page(params=params, q=q)
    return Page(
        items=[_public(o) for o in rows], total=total, limit=params.limit, offset=params.offset
    )


@router.get("/{owner_id}", response_model=OwnerPublic)
def get_owner(owner_id: int, session: SessionDep, _user: CurrentUser) -> OwnerPublic:
    """Return one owner."""
    return _public(service.get_owner(session, owner_id))


@router.patch("/{owner_id}", response_model=OwnerPublic)
def update_owner(
    owner_id: int, data: OwnerUpdate, session: SessionDep, user: CurrentUser
) -> OwnerPublic:
    """Change an owner's details: contact data and language by an administrator or an
    inspector whose units hold all the owner's instruments; the identity the public stamp
    page shows (name, trade name, kind, tax code) by an administrator only."""
    return _public(service.update_owner(session, user, owner_id, data))
