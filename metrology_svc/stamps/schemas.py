"""API shapes for stamps, the public check, keys, flags and standard recalls."""

from datetime import date, datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from metrology_svc.stamps.models import FlagKind, RevokeReason, StampStatus
from metrology_svc.stamps.rules import State


class StampPublic(SQLModel):
    """A stamp with its signed code and the URL its QR carries."""

    id: int
    serial: str
    instrument_id: int
    verification_id: int
    key_id: int
    valid_until: date
    seal_number: str | None
    status: StampStatus
    revoke_reason: str | None
    revoke_note: str
    superseded_by_id: int | None
    issued_at: datetime
    revoked_at: datetime | None
    code: str
    url: str


class RevokeRequest(SQLModel):
    """Why a stamp is withdrawn."""

    reason: RevokeReason
    note: str = Field(default="", max_length=500)


class CheckedStamp(SQLModel):
    """The stamp part of a public check."""

    serial: str
    seal_number: str | None
    verified_on: date
    valid_until: date


class CheckedInstrument(SQLModel):
    """What identifies the instrument, so a person can compare it with the one in front of them."""

    type_vi: str
    type_en: str
    manufacturer: str
    model: str | None
    serial: str
    site: str
    owner_trade_name: str | None


class CheckResult(SQLModel):
    """The public answer about a code: its state, why, and the stamp and instrument it names."""

    state: State
    title_vi: str
    title_en: str
    advice_vi: str
    advice_en: str
    reason: str | None = None
    reason_vi: str | None = None
    reason_en: str | None = None
    stamp: CheckedStamp | None = None
    instrument: CheckedInstrument | None = None


class KeyPublic(SQLModel):
    """A public key that verifies stamp codes."""

    key_id: int
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key_b64: str = Field(description="Raw 32-byte public key, standard Base64")
    created_at: datetime
    active: bool


class KeysPublic(SQLModel):
    """Everything an offline app needs to check a code."""

    token_format: str
    signing_context_b64: str
    keys: list[KeyPublic]


class SheetRequest(SQLModel):
    """Stamps to print on an A4 sheet."""

    stamp_ids: list[int] = Field(min_length=1, max_length=2000)
    label_width_mm: float = Field(default=30.0, ge=15, le=100)
    label_height_mm: float = Field(default=40.0, ge=15, le=140)


class FlagPublic(SQLModel):
    """A signal for inspection raised by scans."""

    id: int
    stamp_id: int
    stamp_serial: str
    instrument_id: int
    kind: FlagKind
    scans: int
    distance_km: float | None
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


class ScanPublic(SQLModel):
    """One recorded scan of a stamp."""

    id: int
    at: datetime
    outcome: str
    channel: str
    user_agent: str
    network: str
    latitude: float | None
    longitude: float | None


class ScanLogStatus(SQLModel):
    """The scan buffer's counters since the process started."""

    queued: int
    written: int
    dropped: int
    failures: int


class OutOfToleranceRequest(SQLModel):
    """A reference standard found out of tolerance, and what to do about the stamps it backed."""

    last_good_calibration: date = Field(description="Date of its last calibration found good")
    action: Literal["revoke", "recall", "list"] = Field(
        default="revoke",
        description="revoke: stamps revoked, instruments due now; recall: instruments due now, "
        "stamps kept until re-verified; list: change nothing",
    )
    note: str = Field(default="", max_length=500)


class AffectedStamp(SQLModel):
    """A stamp issued with the standard since its last good calibration."""

    stamp_id: int
    serial: str
    instrument_id: int
    verification_id: int
    status_before: StampStatus
    status: StampStatus


class OutOfToleranceResult(SQLModel):
    """What the out-of-tolerance action found and changed."""

    standard_code: str
    since: date
    action: str
    stamps: list[AffectedStamp]
    revoked: int
    instruments_due: int
