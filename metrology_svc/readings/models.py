"""Connected control scales: devices, their readings and self-checks, dead letters, evidence."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow

_CHECKS_ONLY: dict[str, Any] = {
    "sqlite_where": text("seller_ref IS NOT NULL"),
    "postgresql_where": text("seller_ref IS NOT NULL"),
}


DEVICE_MQTT, DEVICE_PAPER_LOG = "mqtt", "paper_log"
PAPER_LOG_PREFIX = "log-"  # the ids of paper-log devices, reserved for them


class Device(SQLModel, table=True):
    """A connected control scale (cân đối chứng): one MQTT identity bound to one instrument."""

    __tablename__ = "device"

    id: str = Field(primary_key=True, max_length=64, description="MQTT username and topic level")
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    # mosquitto_passwd format ($7$ PBKDF2-SHA512), so the broker's password file is written
    # from the database without ever storing the password itself.
    credential_hash: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    last_measured_at: datetime | None = None  # device clock of the newest message
    last_received_at: datetime | None = None  # service clock of the newest message
    offline: bool = False
    # Set by a failed self-check; readings measured from then on are stored untrusted until
    # the instrument passes a verification recorded after this time. Trust belongs to the
    # instrument: the ingest keeps this equal on every device of one control scale.
    untrusted_since: datetime | None = None
    last_status: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    retired_at: datetime | None = None
    # "mqtt": a connected scale with a broker account; "paper_log": the carrier of a market
    # board's paper log (control_logs/), whose lines the ingest's code judges. A paper log has
    # no broker account and is no connected scale in lists, the dashboard or the report.
    kind: str = Field(
        default=DEVICE_MQTT, sa_type=String(16), sa_column_kwargs={"server_default": DEVICE_MQTT}
    )


class Reading(SQLModel, table=True):
    """One weighing sent by a control scale; a consumer check carries the seller's claim."""

    __tablename__ = "reading"
    __table_args__ = (
        UniqueConstraint("device_id", "boot", "seq", name="uq_reading_device_boot_seq"),
        # Partial: only consumer checks (a few per cent of readings) are listed by market or
        # seller, and plain readings then pay for no index beyond the unique key.
        Index("ix_reading_checks", "site_id", "id", **_CHECKS_ONLY),
        Index("ix_reading_seller", "site_id", "seller_ref", "seller_ref_kind", **_CHECKS_ONLY),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(foreign_key="device.id", max_length=64)
    boot: str = Field(max_length=64)
    seq: int = Field(sa_type=BigInteger)
    site_id: int = Field(foreign_key="site.id")
    measured_at: datetime
    received_at: datetime = Field(default_factory=utcnow)
    net_g: float
    stable: bool = True
    trusted: bool = True
    # Consumer check (cân lại): who sold it, what they declared, what is missing beyond tolerance.
    # Whether it is evidence depends on its rule: under a binding table `short` says so; under
    # any other (R 87 as shipped) the same numbers are an indication and `short` stays false.
    seller_ref_kind: str | None = Field(default=None, sa_type=String(8))  # "stall" | "stamp"
    seller_ref: str | None = Field(default=None, max_length=64)
    declared_g: float | None = None
    category: str | None = Field(default=None, max_length=64)
    permitted_shortfall_g: float | None = None  # the table's allowance (reference: tolerance)
    missing_g: float | None = None  # declared − measured − allowance; > 0: beyond it
    short: bool = False  # beyond a binding table's permitted shortfall, on a settled indication
    # The rule_table version of the permitted shortfall (no foreign key: the ingest hot path).
    shortfall_rule_id: int | None = None
    # SHA-256 of the payload as received: a later message with this key and other bytes is a
    # conflicting duplicate, not a redelivery. NULL on rows stored before it was kept.
    payload_sha256: bytes | None = Field(default=None, sa_type=LargeBinary)
    # "mqtt": sent by a connected scale; "manual": copied from a market board's paper log
    # (control_logs/). The database default keeps the ingest's bulk insert unchanged.
    source: str = Field(
        default="mqtt", sa_type=String(8), sa_column_kwargs={"server_default": "mqtt"}
    )


class SelfCheck(SQLModel, table=True):
    """A control scale weighing its known reference weight, judged against its in-service MPE."""

    __tablename__ = "selfcheck"
    __table_args__ = (
        UniqueConstraint("device_id", "boot", "seq", name="uq_selfcheck_device_boot_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(foreign_key="device.id", index=True, max_length=64)
    boot: str = Field(max_length=64)
    seq: int = Field(sa_type=BigInteger)
    measured_at: datetime
    received_at: datetime = Field(default_factory=utcnow)
    reference_g: float
    indicated_g: float
    error_g: float
    mpe_g: float | None = None  # None: the instrument lacks e or class, so it cannot be judged
    passed: bool | None = None
    mpe_rule_id: int | None = None  # the rule_table version of the MPE (no foreign key)
    payload_sha256: bytes | None = Field(default=None, sa_type=LargeBinary)  # as on Reading


class DeadLetter(SQLModel, table=True):
    """A message the ingest set aside: malformed, unknown device, conflicting, or refused."""

    __tablename__ = "dead_letter"
    __table_args__ = (Index("uq_dead_letter_message_sha256", "message_sha256", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    topic: str = Field(max_length=256)
    reason: str = Field(max_length=300)
    payload: bytes = Field(sa_type=LargeBinary)  # truncated to settings.dead_letter_max_bytes
    payload_size: int
    # SHA-256 of (topic, whole payload): the row's own key, so a message redelivered or sent
    # again is one dead letter (the ingest's counters still count every receipt). NULL on rows
    # set aside before it was kept.
    message_sha256: bytes | None = Field(default=None, sa_type=LargeBinary)


class Seller(SQLModel, table=True):
    """A seller at a market as seen by its control scale, with running check statistics."""

    __tablename__ = "seller"
    __table_args__ = (UniqueConstraint("site_id", "ref_kind", "ref", name="uq_seller_site_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    ref_kind: str = Field(sa_type=String(8))
    ref: str = Field(max_length=64)
    instrument_id: int | None = Field(default=None, foreign_key="instrument.id", index=True)
    checks: int = 0
    shortfalls: int = 0
    total_missing_g: float = 0.0
    last_check_at: datetime | None = None
    last_short_at: datetime | None = None
    suspect_since: datetime | None = None


class InspectionRequest(SQLModel, table=True):
    """An out-of-cycle inspection asked for by the evidence, for the schedules to notify."""

    __tablename__ = "inspection_request"

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    seller_id: int | None = Field(default=None, foreign_key="seller.id")
    reason: str = Field(max_length=300)
    evidence_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    status: str = Field(default="open", sa_type=String(16))  # open | notified | closed
    notified_at: datetime | None = None
    closed_at: datetime | None = None
    # Equal to instrument_id while the request is open, NULL after: a unique column that allows
    # only one open request per instrument on SQLite and PostgreSQL alike (NULLs are distinct).
    open_key: int | None = Field(default=None, unique=True)
