"""API shapes for connected control scales, consumer checks, sellers and inspection requests."""

from datetime import datetime
from typing import Any, Literal

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
    """A consumer check (cân lại) and its judgement.

    Under a binding table the figure is a shortfall (thiếu): `missing_g` beyond the permitted
    shortfall, and `short` is evidence against the seller. Under any other table (R 87 as
    shipped: reference only) it is a deviation (chênh lệch, tham khảo): `excess_g` beyond the
    reference tolerance, never evidence, and `short` is false.
    """

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
    deviation_g: float | None = Field(
        default=None, description="Chênh lệch / deviation: declared − measured (g)"
    )
    permitted_shortfall_g: float | None = Field(
        description="The table's allowance: permitted shortfall if binding, else its tolerance"
    )
    missing_g: float | None = Field(
        description="Thiếu / shortfall beyond the permitted one (binding tables only)"
    )
    excess_g: float | None = Field(
        default=None,
        description="Non-binding tables only: the deviation beyond the reference tolerance",
    )
    short: bool = Field(description="Short beyond a binding table's permitted shortfall")
    binding: bool = Field(default=False, description="Judged under a table marked binding")
    verdict: Literal["short", "deviation", "within", "unsettled", "not_judged"] = "not_judged"
    figure: Literal["shortfall", "deviation"] = "deviation"
    figure_label: str = Field(
        default="chênh lệch (tham khảo) / deviation (reference only)",
        description="What the figure is called: 'thiếu / shortfall' only when binding",
    )
    rule_id: int | None = Field(default=None, description="The rule table version that judged")
    rule: str | None = Field(default=None, description="Its label (version and status)")
    rule_source: str | None = None


class SellerPublic(SQLModel):
    """A seller at a market with the statistics of its checks."""

    id: int
    site_id: int
    ref_kind: str
    ref: str
    instrument_id: int | None
    checks: int
    shortfalls: int = Field(description="Checks short under a binding table (evidence)")
    indications: int = Field(
        default=0, description="Checks beyond a non-binding table's tolerance (not evidence)"
    )
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
