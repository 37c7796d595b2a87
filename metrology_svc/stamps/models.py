"""Verification stamps, the public scans of their QR codes, and the flags scans raise."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class StampStatus(StrEnum):
    """What the office decided about a stamp (expiry is decided at scan time, not stored)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # a later verification issued a new stamp


class RevokeReason(StrEnum):
    """Why a stamp was withdrawn."""

    FAILED_INSPECTION = "failed_inspection"
    BROKEN_SEAL = "broken_seal"
    LOST_OR_STOLEN = "lost_or_stolen"
    INSTRUMENT_RETIRED = "instrument_retired"
    STANDARD_OUT_OF_TOLERANCE = "standard_out_of_tolerance"


class Stamp(SQLModel, table=True):
    """A verification stamp (tem kiểm định) issued after a passing verification."""

    __tablename__ = "stamp"
    __table_args__ = (UniqueConstraint("serial_year", "serial_seq", name="uq_stamp_year_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=32, unique=True)
    serial_year: int
    serial_seq: int
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    verification_id: int = Field(foreign_key="verification.id", unique=True)
    # The administrative unit the record was made under (the site's unit then): a record keeps
    # it when the site later moves to a new commune.
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    key_id: int
    valid_until: date
    # The Ed25519 signature in the stamp's code, kept at issue (NULL before migration 0701).
    signature: bytes | None = Field(default=None, sa_type=LargeBinary)
    seal_number: str | None = Field(default=None, max_length=64)
    status: StampStatus = Field(default=StampStatus.VALID, sa_type=EnumText(StampStatus, 16))
    revoke_reason: str | None = Field(default=None, max_length=32)
    revoke_note: str = Field(default="", max_length=500)
    superseded_by_id: int | None = Field(default=None, foreign_key="stamp.id")
    issued_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class StampScan(SQLModel, table=True):
    """One check of a code by the page or the API, with coarse client data only."""

    __tablename__ = "stamp_scan"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    stamp_id: int | None = Field(default=None, foreign_key="stamp.id", index=True)
    code: str | None = Field(default=None, max_length=160)  # kept only when no stamp matched
    outcome: str = Field(max_length=16)
    channel: str = Field(max_length=8)  # page or api
    user_agent: str = Field(default="", max_length=120)
    network: str = Field(default="", max_length=64)  # /24 (IPv4) or /48 (IPv6)
    latitude: float | None = None
    longitude: float | None = None


class FlagKind(StrEnum):
    """Why a scan looks suspicious."""

    FAR_FROM_SITE = "far_from_site"  # a copy of a genuine QR on another instrument?
    AFTER_REVOCATION = "after_revocation"  # a withdrawn stamp still on display


class StampFlag(SQLModel, table=True):
    """An open signal for inspection: one row per stamp and kind, counting its scans."""

    __tablename__ = "stamp_flag"

    id: int | None = Field(default=None, primary_key=True)
    stamp_id: int = Field(foreign_key="stamp.id", index=True)
    kind: FlagKind = Field(sa_type=EnumText(FlagKind, 24))
    first_scan_id: int | None = Field(default=None, foreign_key="stamp_scan.id")
    last_scan_id: int | None = Field(default=None, foreign_key="stamp_scan.id")
    scans: int = 1
    distance_km: float | None = None
    raised_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
