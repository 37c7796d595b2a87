"""API shapes for inspections and the offline sync of their findings."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, model_validator
from sqlmodel import Field, SQLModel

from metrology_svc.inspections.models import FindingKind, InspectionBase
from metrology_svc.verifications.schemas import PointIn

MAX_BATCH = 500
MAX_ID = 2**31 - 1  # PostgreSQL integer ids


class InspectionCreate(InspectionBase):
    """A new inspection at a site."""


class InspectionPublic(InspectionBase):
    """An inspection as the API returns it, with its site, unit and findings by kind."""

    id: int
    site_name: str
    unit_code: str
    started_at: datetime
    closed_at: datetime | None
    findings_by_kind: dict[str, int] = Field(default_factory=dict)


class FindingIn(SQLModel):
    """A finding made on the phone (perhaps offline) with its own UUID."""

    client_uuid: UUID
    kind: FindingKind
    instrument_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    stamp_code: str | None = Field(default=None, max_length=200, description="Scanned QR code")
    note: str = Field(default="", max_length=1000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    observed_at: AwareDatetime | None = Field(default=None, description="With its offset")
    points: list[PointIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _identifies_something(self) -> "FindingIn":
        if self.instrument_id is None and not self.stamp_code:
            if self.kind is not FindingKind.NO_STAMP:
                raise ValueError("give instrument_id or stamp_code")
            if not self.note.strip():
                raise ValueError("a no_stamp finding without an instrument needs a note")
        return self


class SyncRequest(SQLModel):
    """A batch of findings; items are validated one by one so one bad item loses nothing else."""

    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


class SyncItemResult(SQLModel):
    """What became of one item: created, already stored (a resend), or rejected with a reason."""

    index: int
    client_uuid: str | None
    status: Literal["created", "duplicate", "rejected"]
    finding_id: int | None = None
    message: str | None = None
    message_vi: str | None = None
    details: list[dict[str, Any]] = Field(default_factory=list)


class SyncResult(SQLModel):
    """The outcome of a batch, item by item, with counts."""

    created: int
    duplicate: int
    rejected: int
    items: list[SyncItemResult]


class FindingPublic(SQLModel):
    """A stored finding with what it did."""

    id: int
    client_uuid: str
    inspection_id: int
    kind: FindingKind
    instrument_id: int | None
    stamp_id: int | None
    note: str
    latitude: float | None
    longitude: float | None
    observed_at: datetime | None
    points: list[dict[str, Any]]
    revoked_stamp_ids: list[int]
    status_before: str | None
    status_after: str | None
    notices_created: int
    recorded_at: datetime


class InspectionDetail(InspectionPublic):
    """An inspection with every finding."""

    findings: list[FindingPublic]
