"""HTTP endpoints for rehoming: the review list of split communes, decisions, and a run."""

from typing import Annotated

from fastapi import APIRouter, Depends

from metrology_svc.core.errors import Invalid
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.rehoming import service
from metrology_svc.rehoming.models import CaseStatus
from metrology_svc.rehoming.schemas import (
    DecideRequest,
    RehomeCasePublic,
    RehomeResult,
    RunRequest,
)

router = APIRouter(prefix="/rehoming", tags=["rehoming"])


@router.get("/cases", response_model=Page[RehomeCasePublic])
def list_cases(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    status: CaseStatus | None = None,
) -> Page[RehomeCasePublic]:
    """List review cases in the caller's area (sites of split communes), oldest first."""
    items, total = service.list_cases(
        session, user, status=status, offset=params.offset, limit=params.limit
    )
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.get("/cases/{case_id}", response_model=RehomeCasePublic)
def get_case(case_id: int, session: SessionDep, user: CurrentUser) -> RehomeCasePublic:
    """Return one review case with its candidates and suggestion."""
    return service.to_public(session, service.get_case(session, user, case_id))


@router.post("/cases/{case_id}/decide", response_model=RehomeCasePublic)
def decide(
    case_id: int, data: DecideRequest, session: SessionDep, user: CurrentUser
) -> RehomeCasePublic:
    """Put the case's site in one of the candidates (admin: another unit, with a note)."""
    if (data.unit_id is None) == (data.unit_code is None):
        raise Invalid(
            "Give exactly one of unit_id and unit_code.",
            message_vi="Cần đúng một trong hai: unit_id hoặc unit_code.",
            loc=["body", "unit_code"],
        )
    unit: int | str = data.unit_id if data.unit_id is not None else str(data.unit_code)
    return service.decide(session, case_id, unit, user, data.note)


@router.post("/run", response_model=RehomeResult)
def run(data: RunRequest, session: SessionDep, user: CurrentUser) -> RehomeResult:
    """Rehome sites and scopes now (admin); a dry run reports what it would do."""
    user.require_admin()
    return service.rehome(
        session, province_code=data.province_code, user=user, dry_run=data.dry_run
    )
