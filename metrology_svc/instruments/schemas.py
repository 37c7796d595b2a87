"""API shapes for instruments."""

from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Field, SQLModel

from metrology_svc.core.text import Identifier, Name
from metrology_svc.core.types import FiniteFloat
from metrology_svc.instruments.models import InstrumentBase, InstrumentRole, InstrumentStatus


class InstrumentCreate(InstrumentBase):
    """A new instrument."""

    confirm_distinct: bool = Field(
        default=False,
        description="It is not the stored instrument alike it (409 near_duplicate names it); "
        "audited / Không phải phương tiện đo đã có giống nó",
    )


class InstrumentUpdate(SQLModel):
    """Changes to an instrument; absent fields stay. Identity fields cannot change."""

    model: Name | None = Field(default=None, max_length=128)
    type_approval_no: Identifier | None = Field(default=None, max_length=64)
    accuracy_class: str | None = Field(default=None, max_length=8)
    manufactured_year: int | None = Field(default=None, ge=1900, le=2100)
    max_g: FiniteFloat | None = Field(default=None, gt=0)
    e_g: FiniteFloat | None = Field(default=None, gt=0)
    d_g: FiniteFloat | None = Field(default=None, gt=0)
    qmin_lpm: FiniteFloat | None = Field(default=None, gt=0)
    qmax_lpm: FiniteFloat | None = Field(default=None, gt=0)
    nozzles: int | None = Field(default=None, ge=1, le=16)
    mmq_l: FiniteFloat | None = Field(default=None, gt=0)
    seal_number: Identifier | None = Field(default=None, max_length=64)
    owner_id: int | None = None
    site_id: int | None = None
    role: InstrumentRole | None = None


class StatusChange(SQLModel):
    """A manual status change: suspend, retire, or reinstate (back to what the due date says)."""

    action: Literal["suspend", "retire", "reinstate"]
    reason: str = Field(min_length=3, max_length=500)


class InstrumentPublic(InstrumentBase):
    """An instrument as the API returns it."""

    id: int
    status: InstrumentStatus
    due_date: date | None
    last_verified_on: date | None
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None


class InstrumentEventPublic(SQLModel):
    """One event of an instrument's history."""

    at: datetime
    kind: str
    actor_user_id: int | None
    detail: dict[str, Any]


class StatusCounts(SQLModel):
    """How many instruments are in each status, for the current filter."""

    total: int
    by_status: dict[InstrumentStatus, int]
