"""API shapes for inspections and the offline sync of their findings."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, model_validator
from sqlmodel import Field, SQLModel

from metrology_svc.inspections.models import (
    FindingKind,
    InspectionBase,
    MeasureKind,
    MemberRole,
    PartyKind,
    PartySignature,
)
from metrology_svc.verifications.schemas import PointIn

MAX_BATCH = 500
MAX_MEASURES = 100
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
    goods: str = Field(default="", max_length=200, description="unsuitable_scale: the goods")

    @model_validator(mode="after")
    def _identifies_something(self) -> "FindingIn":
        if self.instrument_id is None and not self.stamp_code:
            if self.kind is not FindingKind.NO_STAMP:
                raise ValueError("give instrument_id or stamp_code")
            if not self.note.strip():
                raise ValueError("a no_stamp finding without an instrument needs a note")
        if self.kind is FindingKind.STAMP_FORGED and not self.stamp_code:
            raise ValueError("a stamp_forged finding needs the scanned stamp_code")
        if self.kind is FindingKind.UNSUITABLE_SCALE and not self.goods.strip():
            raise ValueError("an unsuitable_scale finding needs the goods weighed")
        return self


class SyncRequest(SQLModel):
    """A batch of findings and measures; each is validated on its own, so one bad item loses
    nothing else. Measures are stored after the findings (a finding may call for them)."""

    items: list[Any] = Field(default_factory=list, max_length=MAX_BATCH)
    measures: list[Any] = Field(default_factory=list, max_length=MAX_MEASURES)

    @model_validator(mode="after")
    def _something(self) -> "SyncRequest":
        if not self.items and not self.measures:
            raise ValueError("send at least one finding or measure")
        return self


class SyncItemResult(SQLModel):
    """What became of one item: created, already stored (a resend), or rejected with a reason."""

    index: int
    client_uuid: str | None
    status: Literal["created", "duplicate", "rejected"]
    finding_id: int | None = None
    measure_id: int | None = None
    message: str | None = None
    message_vi: str | None = None
    details: list[dict[str, Any]] = Field(default_factory=list)


class SyncResult(SQLModel):
    """The outcome of a batch, item by item, with counts."""

    created: int
    duplicate: int
    rejected: int
    items: list[SyncItemResult]
    measures: list[SyncItemResult] = Field(default_factory=list)


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
    stamp_state: str | None = None
    goods: str = ""


class DecisionIn(SQLModel):
    """The inspection decision (quyết định kiểm tra) and the party inspected."""

    decided_on: date
    issuer_level: Literal["province", "commune"] = "province"
    legal_bases: list[str] = Field(default_factory=list, max_length=10)
    signer_position: str = Field(min_length=2, max_length=200)
    signer_name: str = Field(min_length=2, max_length=200)
    party_kind: PartyKind
    owner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    organisation_name: str = Field(default="", max_length=300)
    party_address: str = Field(default="", max_length=400)
    representative_name: str = Field(min_length=2, max_length=200)
    representative_position: str = Field(min_length=2, max_length=200)
    inspect_from: date
    inspect_to: date
    place: str = Field(min_length=2, max_length=400)


class DecisionPublic(SQLModel):
    """A stored decision, its register number and the party inspected."""

    number: int
    number_text: str
    decided_on: date
    issuer_level: str
    issuing_body: str
    legal_bases: list[str]
    signer_position: str
    signer_name: str
    party_kind: PartyKind
    owner_id: int | None
    party_name: str
    party_address: str
    representative_name: str
    representative_position: str
    inspect_from: date
    inspect_to: date
    place: str


class MemberIn(SQLModel):
    """A team member; the leader holds the state-inspection certificate (its number)."""

    role: MemberRole
    name: str = Field(min_length=2, max_length=200)
    title: str = Field(default="", max_length=200)
    agency: str = Field(default="", max_length=300)
    certificate_no: str | None = Field(default=None, max_length=64)


class TeamIn(SQLModel):
    """The whole team, in the decision's order (replaces the team stored before)."""

    members: list[MemberIn] = Field(min_length=1, max_length=30)


class MemberPublic(MemberIn):
    """A stored team member."""

    position_no: int


class MeasureIn(SQLModel):
    """A measure taken at the inspection; its UUID makes a resend harmless."""

    client_uuid: UUID | None = None
    kind: MeasureKind
    instrument_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    seal_numbers: list[str] = Field(default_factory=list, max_length=20)
    deadline: date | None = None
    after_repair: bool = False
    note: str = Field(default="", max_length=1000)


class MeasurePublic(SQLModel):
    """A stored measure (proposed by a finding when finding_id is set)."""

    id: int
    client_uuid: str | None
    kind: MeasureKind
    instrument_id: int | None
    finding_id: int | None
    seal_numbers: list[str]
    deadline: date | None
    after_repair: bool
    note: str
    status_after: str | None
    recorded_at: datetime


class CloseIn(SQLModel):
    """How the minutes were signed, and the team's conclusion."""

    party_signature: PartySignature | None = None
    refusal_note: str = Field(default="", max_length=1000)
    conclusion: str = Field(default="", max_length=4000)


class InspectionDetail(InspectionPublic):
    """An inspection with its decision, team, every finding and every measure."""

    findings: list[FindingPublic]
    decision: DecisionPublic | None = None
    team: list[MemberPublic] = Field(default_factory=list)
    measures: list[MeasurePublic] = Field(default_factory=list)
    party_signature: PartySignature | None = None
    refusal_note: str = ""
    conclusion: str = ""
