"""HTTP endpoints for instrument types."""

from fastapi import APIRouter

from metrology_svc.core.errors import NotFound
from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instrument_types.schemas import InstrumentTypePublic
from metrology_svc.instrument_types.service import to_public

router = APIRouter(prefix="/instrument-types", tags=["instrument types"])


@router.get("", response_model=list[InstrumentTypePublic])
def list_types(session: SessionDep, _user: CurrentUser) -> list[InstrumentTypePublic]:
    """List the instrument types with their versioned verification cycles."""
    return [to_public(session, t) for t in TypeRepository(session).all()]


@router.get("/{code}", response_model=InstrumentTypePublic)
def get_type(code: str, session: SessionDep, _user: CurrentUser) -> InstrumentTypePublic:
    """Return one instrument type."""
    kind = TypeRepository(session).get(code)
    if kind is None:
        raise NotFound(
            f"No instrument type {code}.", message_vi=f"Không có loại phương tiện {code}."
        )
    return to_public(session, kind)
