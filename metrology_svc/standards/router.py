"""HTTP endpoints for reference standards."""

from fastapi import APIRouter, status

from metrology_svc.core.errors import Conflict
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.standards.models import ReferenceStandard, StandardBase
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.standards.schemas import StandardPublic

router = APIRouter(prefix="/standards", tags=["reference standards"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StandardPublic)
def create_standard(data: StandardBase, session: SessionDep, user: CurrentUser) -> StandardPublic:
    """Register a test weight or proving measure with its calibration validity."""
    user.require_write()
    repo = StandardRepository(session)
    if repo.by_codes([data.code]):
        raise Conflict(
            f"Standard {data.code} exists.",
            message_vi=f"Chuẩn {data.code} đã có.",
            loc=["body", "code"],
        )
    standard = repo.add(ReferenceStandard.model_validate(data))
    return StandardPublic.model_validate(standard, from_attributes=True)


@router.get("", response_model=list[StandardPublic])
def list_standards(session: SessionDep, _user: CurrentUser) -> list[StandardPublic]:
    """List reference standards."""
    return [
        StandardPublic.model_validate(s, from_attributes=True)
        for s in StandardRepository(session).all()
    ]
