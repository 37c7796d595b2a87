"""HTTP endpoints for single verifications (recording happens under /instruments)."""

from fastapi import APIRouter

from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.verifications import service
from metrology_svc.verifications.schemas import VerificationPublic

router = APIRouter(prefix="/verifications", tags=["verifications"])


@router.get("/{verification_id}", response_model=VerificationPublic)
def get_verification(
    verification_id: int, session: SessionDep, user: CurrentUser
) -> VerificationPublic:
    """Return one verification with its judged points."""
    return service.to_public(session, service.get_verification(session, user, verification_id))
