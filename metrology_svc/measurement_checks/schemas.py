"""API shapes for measurement checks."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AllowInfNan
from sqlmodel import Field, SQLModel

from metrology_svc.measurement_checks.models import CheckKind, Verdict

MAX_ID = 2**31 - 1  # PostgreSQL integer ids

# A quantity a client gives: finite, positive, at most 15 digits and 6 decimals (so the float
# stored gives the same decimal back). Bounds by kind are the service's (with their reason).
Quantity = Annotated[
    Decimal, AllowInfNan(False), Field(gt=0, le=10**9, max_digits=15, decimal_places=6)
]


class MeasurementCheckCreate(SQLModel):
    """A measurement re-made on the inspectors' reference."""

    kind: CheckKind
    client_uuid: UUID | None = Field(default=None, description="Phone-made id: resends are safe")
    instrument_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Scale/dispenser")
    goods: str = Field(default="", max_length=200, description="Hàng hóa / goods (retail: needed)")
    declared: Quantity = Field(description="Shown by the seller / dispenser: g, or L for petrol")
    measured: Quantity = Field(description="On the inspectors' reference: g, or L for petrol")
    scale_max_g: Quantity | None = Field(default=None, description="Gold: the scale's Max, g")
    scale_interval_g: Quantity | None = Field(
        default=None, description="Retail: division d, g; gold: interval e, g (1 mg = 0.001)"
    )
    note: str = Field(default="", max_length=1000)


MAX_BATCH = 200


class CheckSyncRequest(SQLModel):
    """A batch of checks made offline; each is validated on its own, so one bad check loses
    nothing else."""

    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


class CheckSyncResult(SQLModel):
    """What became of one check: created, already stored (a resend), or rejected with a
    reason; a stored check comes back with its verdict."""

    index: int
    client_uuid: str | None
    status: Literal["created", "duplicate", "rejected"]
    check_id: int | None = None
    verdict: Verdict | None = None
    reason: str | None = None
    reason_vi: str | None = None
    message: str | None = None
    message_vi: str | None = None
    details: list[dict[str, Any]] = Field(default_factory=list)


class MeasurementCheckPublic(SQLModel):
    """A check as the API returns it, with its judgement and the rules that gave it."""

    id: int
    client_uuid: str | None
    inspection_id: int
    instrument_id: int | None
    kind: CheckKind
    goods: str
    unit: str
    checked_on: date
    declared: float
    measured: float
    scale_max_g: float | None
    scale_interval_g: float | None
    shortfall: float = Field(description="declared − measured (< 0: the buyer got more)")
    permitted_deviation: float | None = Field(description="None: no rule judged the shortfall")
    allowed_interval_g: float | None
    scale_suitable: bool | None
    verdict: Verdict
    violation_proposed: bool
    reason: str
    reason_vi: str
    rule_table_id: int | None
    rule_code: str | None
    rule_effective_from: date | None
    rule_label: str | None
    rule_source: str | None
    rule_binding: bool
    scale_rule_table_id: int | None
    scale_rule_code: str | None
    scale_rule_effective_from: date | None
    scale_rule_label: str | None
    scale_rule_source: str | None
    note: str
    recorded_by_user_id: int | None
    recorded_at: datetime
