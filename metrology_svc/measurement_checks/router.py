"""HTTP endpoints for measurement checks at an inspection (retail weighing, petrol, gold)."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.measurement_checks import service, sync
from metrology_svc.measurement_checks.schemas import (
    MAX_ID,
    CheckSyncRequest,
    CheckSyncResult,
    MeasurementCheckCreate,
    MeasurementCheckPublic,
)

InspectionId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/inspections/{inspection_id}/measurement-checks", tags=["inspections"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MeasurementCheckPublic)
def record_check(
    inspection_id: InspectionId,
    data: MeasurementCheckCreate,
    session: SessionDep,
    user: CurrentUser,
) -> MeasurementCheckPublic:
    """Record a measurement re-made on the reference, judged by the rulebook (kiểm tra phép đo)."""
    return service.public(service.record_check(session, user, inspection_id, data))


@router.get("", response_model=list[MeasurementCheckPublic])
def list_checks(
    inspection_id: InspectionId, session: SessionDep, user: CurrentUser
) -> list[MeasurementCheckPublic]:
    """List the measurement checks of an inspection, in the order recorded."""
    return [service.public(c) for c in service.list_checks(session, user, inspection_id)]


@router.post("/sync", response_model=list[CheckSyncResult])
def sync_checks(
    inspection_id: InspectionId,
    data: CheckSyncRequest,
    session: SessionDep,
    user: CurrentUser,
) -> list[CheckSyncResult]:
    """Store checks made offline, each exactly once and judged by the rulebook; a resend comes
    back as a duplicate with the stored verdict, a bad check as rejected with its reason."""
    return sync.sync_checks(session, user, inspection_id, data.items)
