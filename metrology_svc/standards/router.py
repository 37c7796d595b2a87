"""HTTP endpoints for reference standards."""

from fastapi import APIRouter, status

from metrology_svc.deps import CurrentUser, SessionDep, TodayDep
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.stamps.schemas import OutOfToleranceRequest, OutOfToleranceResult
from metrology_svc.standards import service
from metrology_svc.standards.models import StandardBase
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.standards.schemas import StandardPublic

router = APIRouter(prefix="/standards", tags=["reference standards"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StandardPublic)
def create_standard(data: StandardBase, session: SessionDep, user: CurrentUser) -> StandardPublic:
    """Register a test weight or proving measure with its calibration validity."""
    standard = service.create_standard(session, user, data)
    return StandardPublic.model_validate(standard, from_attributes=True)


@router.get("", response_model=list[StandardPublic])
def list_standards(session: SessionDep, _user: CurrentUser) -> list[StandardPublic]:
    """List reference standards."""
    return [
        StandardPublic.model_validate(s, from_attributes=True)
        for s in StandardRepository(session).all()
    ]


@router.post("/{code}/out-of-tolerance", response_model=OutOfToleranceResult)
def out_of_tolerance(
    code: str,
    data: OutOfToleranceRequest,
    session: SessionDep,
    user: CurrentUser,
    today: TodayDep,
) -> OutOfToleranceResult:
    """List every stamp issued with the standard since its last good calibration; revoke or
    recall them (instruments become due today), or only list them."""
    result = service.out_of_tolerance(session, user, code, data, today=today)
    if not user.sees_everything:  # the standard serves the whole office; the list does not
        units = InstrumentRepository(session)
        result.stamps = [
            s for s in result.stamps if user.covers(units.unit_path_of(s.instrument_id) or "")
        ]
    return result
