"""Dependencies about instruments that several routers share (the list filter)."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from metrology_svc.auth.models import Role
from metrology_svc.core.errors import Invalid
from metrology_svc.deps import CurrentUser, PortalUser, SessionDep
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.units.service import unit_by_code


def instrument_filter(
    session: SessionDep,
    user: PortalUser,
    unit_code: Annotated[str | None, Query(max_length=16, description="Unit and below")] = None,
    site_id: int | None = None,
    owner_id: int | None = None,
    type_code: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[InstrumentStatus] | None, Query(description="Repeatable")] = None,
    due_from: date | None = None,
    due_to: date | None = None,
    serial: Annotated[str | None, Query(max_length=64, description="Part of a serial")] = None,
) -> InstrumentFilter:
    """Read the instrument filter from the query string, limited to the user's jurisdiction."""
    unit_path = None
    if unit_code is not None:
        unit = unit_by_code(session, unit_code)
        unit_path = unit.path
    if user.role is Role.OWNER:  # an owner account lists its own instruments, wherever they are
        if owner_id not in (None, user.owner_id):
            user.require_instrument(path="", owner_id=owner_id or 0)
        owner_id = user.owner_id or 0
    if due_from and due_to and due_from > due_to:
        raise Invalid(
            "due_from is after due_to.",
            loc=["query", "due_from"],
            message_vi="Khoảng hạn kiểm định không hợp lệ.",
        )
    return InstrumentFilter(
        unit_path=unit_path,
        site_id=site_id,
        owner_id=owner_id,
        type_code=type_code,
        statuses=tuple(status or ()),
        due_from=due_from,
        due_to=due_to,
        serial=serial,
        visible_paths=None if user.sees_everything or user.role is Role.OWNER else user.unit_paths,
    )


# The list is open to owner portal accounts (their own instruments); counts, exports and any
# other user of the filter stay staff-only.
PortalFilterDep = Annotated[InstrumentFilter, Depends(instrument_filter)]


def staff_instrument_filter(flt: PortalFilterDep, user: CurrentUser) -> InstrumentFilter:
    """Return the filter for a staff account (owners refused)."""
    return flt


FilterDep = Annotated[InstrumentFilter, Depends(staff_instrument_filter)]
