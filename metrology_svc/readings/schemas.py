"""API shapes for connected control scales, consumer checks, sellers and inspection requests."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel


class DevicePublic(SQLModel):
    """A device with its liveness: what it last measured against when it was last heard."""

    id: str
    instrument_id: int
    site_id: int
    created_at: datetime
    last_measured_at: datetime | None
    last_received_at: datetime | None
    silent_minutes: float | None  # None: never heard
    offline: bool
    trusted: bool
    untrusted_since: datetime | None
    last_status: dict[str, Any] | None


class CheckPublic(SQLModel):
    """A consumer check (cân lại) and its judgement."""

    id: int
    device_id: str
    measured_at: datetime
    received_at: datetime
    net_g: float
    stable: bool
    trusted: bool
    seller_ref_kind: str | None
    seller_ref: str | None
    declared_g: float | None
    category: str | None
    permitted_shortfall_g: float | None
    missing_g: float | None
    short: bool


class SellerPublic(SQLModel):
    """A seller at a market with the statistics of its checks."""

    id: int
    site_id: int
    ref_kind: str
    ref: str
    instrument_id: int | None
    checks: int
    shortfalls: int
    total_missing_g: float
    last_check_at: datetime | None
    last_short_at: datetime | None
    suspect_since: datetime | None


class SellerEvidence(SQLModel):
    """A seller and its latest checks (newest first)."""

    seller: SellerPublic
    checks: list[CheckPublic]


class InspectionRequestPublic(SQLModel):
    """An out-of-cycle inspection request raised by the evidence."""

    id: int
    instrument_id: int
    site_id: int
    seller_id: int | None
    reason: str
    evidence_ids: list[int]
    created_at: datetime
    status: str
    notified_at: datetime | None
    closed_at: datetime | None


class RequestClose(SQLModel):
    """What the inspection found, closing the request."""

    outcome: str = Field(min_length=1, max_length=500, description="Kết quả kiểm tra / outcome")
