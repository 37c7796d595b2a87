"""HTTP endpoint for the audit chain (administrators only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from metrology_svc.audit.repository import AuditRepository
from metrology_svc.audit.schemas import AuditRecordPublic
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditRecordPublic])
def list_audit(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Depends(page_params)],
    entity: Annotated[
        str | None, Query(max_length=32, description="instrument, verification, stamp, notice…")
    ] = None,
    entity_id: Annotated[int | None, Query(ge=0)] = None,
) -> Page[AuditRecordPublic]:
    """List audit records, newest first, optionally about one entity (admin)."""
    user.require_admin()
    rows, total = AuditRepository(session).page(
        entity=entity, entity_id=entity_id, limit=params.limit, offset=params.offset
    )
    return Page(
        items=[AuditRecordPublic.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )
