"""Instruments and their event history."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText
from metrology_svc.core.text import Identifier, Name
from metrology_svc.core.types import FiniteFloat
from metrology_svc.instruments.identity import LOOSE_KEY_MAX, loose_identity


class InstrumentRole(StrEnum):
    """What an instrument is used for."""

    TRADE = "trade"
    CONTROL = "control"  # cân đối chứng: the market's control scale


class InstrumentStatus(StrEnum):
    """Life-cycle status of an instrument."""

    REGISTERED = "registered"
    IN_SERVICE = "in_service"
    DUE = "due"
    OVERDUE = "overdue"
    FAILED = "failed"
    SUSPENDED = "suspended"
    # "Không được sử dụng": no valid verification (expired or none) found on inspection; only
    # a passing verification returns it to service (Circular 28/2013; not a failure).
    NOT_TO_BE_USED = "not_to_be_used"
    RETIRED = "retired"


class InstrumentBase(SQLModel):
    """Fields a client gives for an instrument; units are grams, litres and litres/minute."""

    type_code: str = Field(max_length=64)
    serial: Identifier = Field(min_length=1, max_length=64, description="Số sản xuất")
    manufacturer: Name = Field(min_length=1, max_length=128, description="Hãng / nơi sản xuất")
    model: Name | None = Field(default=None, max_length=128, description="Kiểu")
    type_approval_no: Identifier | None = Field(default=None, max_length=64)
    accuracy_class: str | None = Field(default=None, max_length=8)
    manufactured_year: int | None = Field(default=None, ge=1900, le=2100)
    max_g: FiniteFloat | None = Field(default=None, gt=0, description="Scales: Max in grams")
    e_g: FiniteFloat | None = Field(
        default=None, gt=0, description="Scales: verification interval e, g"
    )
    d_g: FiniteFloat | None = Field(default=None, gt=0, description="Scales: actual division d, g")
    qmin_lpm: FiniteFloat | None = Field(default=None, gt=0, description="Dispensers: Qmin, L/min")
    qmax_lpm: FiniteFloat | None = Field(default=None, gt=0, description="Dispensers: Qmax, L/min")
    nozzles: int | None = Field(default=None, ge=1, le=16)
    mmq_l: FiniteFloat | None = Field(
        default=None, gt=0, description="Minimum measured quantity, L"
    )
    seal_number: Identifier | None = Field(default=None, max_length=64)
    owner_id: int
    site_id: int
    role: InstrumentRole = InstrumentRole.TRADE


def _loose_key_of_row(context: DefaultExecutionContext) -> str:
    """Compute an inserted row's loose key when its writer gave none (fixtures, benches)."""
    row: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return loose_identity(row["type_code"], row["manufacturer"], row["serial"])


class Instrument(InstrumentBase, table=True):
    """A measuring instrument; identity is type + manufacturer + serial (normalised)."""

    __tablename__ = "instrument"
    __table_args__ = (Index("ix_instrument_status_due", "status", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    identity_key: str = Field(max_length=300, unique=True)
    # How near-duplicates are told (instruments.identity): stored data may hold several.
    loose_key: str = Field(
        max_length=LOOSE_KEY_MAX, index=True, sa_column_kwargs={"default": _loose_key_of_row}
    )
    type_code: str = Field(foreign_key="instrument_type.code", index=True, max_length=64)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    role: InstrumentRole = Field(default=InstrumentRole.TRADE, sa_type=EnumText(InstrumentRole, 16))
    status: InstrumentStatus = Field(
        default=InstrumentStatus.REGISTERED, sa_type=EnumText(InstrumentStatus, 16)
    )
    due_date: date | None = Field(default=None, index=True)
    last_verified_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None


class InstrumentEvent(SQLModel, table=True):
    """One entry in an instrument's history (registered, updated, verified, status changed)."""

    __tablename__ = "instrument_event"

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=32)
    actor_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
