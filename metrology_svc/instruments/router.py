"""HTTP endpoints for instruments, their history and their verifications."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from metrology_svc.core.errors import Invalid
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import Page, PageParams
from metrology_svc.deps import CurrentUser, PortalUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.instruments import service
from metrology_svc.instruments.deps import FilterDep, PortalFilterDep
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import SORTABLE, InstrumentRepository
from metrology_svc.instruments.schemas import (
    InstrumentCreate,
    InstrumentEventPublic,
    InstrumentPublic,
    InstrumentUpdate,
    StatusChange,
    StatusCounts,
)
from metrology_svc.verifications import service as verifications
from metrology_svc.verifications.repository import VerificationRepository
from metrology_svc.verifications.schemas import VerificationCreate, VerificationPublic

router = APIRouter(prefix="/instruments", tags=["instruments"])


def _public(instrument: Instrument) -> InstrumentPublic:
    return InstrumentPublic.model_validate(instrument, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InstrumentPublic)
def create_instrument(
    data: InstrumentCreate, session: SessionDep, user: CurrentUser
) -> InstrumentPublic:
    """Register an instrument (409 if type + manufacturer + serial exists)."""
    return _public(service.create_instrument(session, user, data))


@router.get("", response_model=Page[InstrumentPublic])
def list_instruments(
    session: SessionDep,
    flt: PortalFilterDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[InstrumentPublic]:
    """List instruments by unit, site, owner, type, status and due window, sorted and paged."""
    if params.sort and params.sort.lstrip("-") not in SORTABLE:
        raise Invalid(
            f"Cannot sort by {params.sort!r}; use one of {', '.join(sorted(SORTABLE))}.",
            loc=["query", "sort"],
            message_vi="Trường sắp xếp không hợp lệ.",
        )
    rows, total = InstrumentRepository(session).page(flt, params)
    return Page(
        items=[_public(i) for i in rows], total=total, limit=params.limit, offset=params.offset
    )


@router.get("/stats", response_model=StatusCounts)
def stats(session: SessionDep, flt: FilterDep) -> StatusCounts:
    """Count matching instruments by status: in service, due, overdue, failed, …"""
    counts = InstrumentRepository(session).count_by_status(flt)
    by_status = {s: counts.get(s.value, 0) for s in InstrumentStatus}
    return StatusCounts(total=sum(by_status.values()), by_status=by_status)


@router.get("/{instrument_id}", response_model=InstrumentPublic)
def get_instrument(instrument_id: int, session: SessionDep, user: PortalUser) -> InstrumentPublic:
    """Return one instrument."""
    return _public(service.get_instrument(session, user, instrument_id))


@router.patch("/{instrument_id}", response_model=InstrumentPublic)
def update_instrument(
    instrument_id: int, data: InstrumentUpdate, session: SessionDep, user: CurrentUser
) -> InstrumentPublic:
    """Change an instrument's description, owner or site (identity fields are fixed)."""
    return _public(service.update_instrument(session, user, instrument_id, data))


@router.post("/{instrument_id}/status", response_model=InstrumentPublic)
def change_status(
    instrument_id: int,
    data: StatusChange,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> InstrumentPublic:
    """Suspend, retire or reinstate an instrument; nothing is ever deleted."""
    return _public(
        service.change_status(
            session, user, instrument_id, data, today=today, due_soon_days=settings.due_soon_days
        )
    )


@router.get("/{instrument_id}/history", response_model=list[InstrumentEventPublic])
def history(
    instrument_id: int, session: SessionDep, user: PortalUser
) -> list[InstrumentEventPublic]:
    """Return every event of the instrument, oldest first."""
    service.get_instrument(session, user, instrument_id)
    return [
        InstrumentEventPublic.model_validate(e, from_attributes=True)
        for e in InstrumentRepository(session).events(instrument_id)
    ]


@router.post(
    "/{instrument_id}/verifications",
    status_code=status.HTTP_201_CREATED,
    response_model=VerificationPublic,
)
def record_verification(
    instrument_id: int,
    data: VerificationCreate,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> VerificationPublic:
    """Record a verification; each point is judged against its MPE, a pass moves the due date."""
    return verifications.record_verification(
        session, user, instrument_id, data, settings=settings, today=today
    )


@router.get("/{instrument_id}/verifications", response_model=list[VerificationPublic])
def list_verifications(
    instrument_id: int, session: SessionDep, user: CurrentUser
) -> list[VerificationPublic]:
    """Return the instrument's verifications, oldest first, with their points."""
    service.get_instrument(session, user, instrument_id)
    return [
        verifications.to_public(session, v)
        for v in VerificationRepository(session).for_instrument(instrument_id)
    ]
