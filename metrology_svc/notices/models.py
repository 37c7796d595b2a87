"""Notices (one per instrument, due date, kind and offset), delivery attempts, owner channels."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class NoticeKind(StrEnum):
    """What a notice is about."""

    DUE_SOON = "due_soon"  # reminder at an offset before the due date
    OVERDUE_RECALL = "overdue_recall"  # thu hồi: must not be used in trade
    FAILED_VERIFICATION = "failed_verification"
    RECALL_ESCALATION = "recall_escalation"  # an unacknowledged recall, to the inspectors
    SUSPECT_SELLER = "suspect_seller"  # out-of-cycle inspection
    LOST_STAMP = "lost_stamp"  # after-repair verification needed
    CONTROL_OFFLINE = "control_offline"
    CONTROL_OUT_OF_TOLERANCE = "control_out_of_tolerance"


class RecipientRole(StrEnum):
    """Who a notice is written to."""

    OWNER = "owner"
    INSPECTOR = "inspector"
    MARKET_BOARD = "market_board"
    # The owner, with a copy to the officers of the site (a failed verification).
    OWNER_AND_OFFICERS = "owner_officers"


class Channel(StrEnum):
    """How a notice reaches its recipient."""

    EMAIL = "email"
    WEBHOOK = "webhook"
    MQTT = "mqtt"
    LETTER = "letter"


class DeliveryStatus(StrEnum):
    """State of one delivery attempt."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # another attempt follows
    GIVEN_UP = "given_up"  # the last attempt failed


class Notice(SQLModel, table=True):
    """A notice; `due_date` is the due date it is about (for events: the event's date)."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("instrument_id", "due_date", "kind", "offset_days", name="uq_notice_key"),
        Index("ix_notice_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: NoticeKind = Field(sa_type=EnumText(NoticeKind, 32))
    # No separate index on instrument_id: the unique key starts with it.
    instrument_id: int = Field(foreign_key="instrument.id")
    # No foreign key: rows are written only by INSERT … SELECT joined to owner (never deleted),
    # and the per-row check cost a third of the due scan over 1,000,000 instruments.
    owner_id: int
    # The unit of the instrument's site when the notice was made (no foreign key, as owner_id).
    unit_id: int | None = None
    # The recipient as the notice was made (owner_id above, with the name, address and site
    # its letter prints): a notice, its letter and its deliveries stay the recipient's then,
    # whoever owns the instrument later. Filled by the INSERT … SELECT that makes the notice.
    recipient_name: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    recipient_address: str = Field(
        default="", max_length=400, sa_column_kwargs={"server_default": ""}
    )
    site_name: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    due_date: date
    offset_days: int = 0
    recipient_role: RecipientRole = Field(sa_type=EnumText(RecipientRole, 16))
    language: str = Field(default="vi", max_length=4)
    number: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None


class NoticeDelivery(SQLModel, table=True):
    """One delivery attempt of a notice on one channel to one destination (the outbox)."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        UniqueConstraint(
            "notice_id", "channel", "destination", "attempt", name="uq_notice_delivery_attempt"
        ),
        Index("ix_notice_delivery_due", "status", "next_attempt_at"),
        Index("ix_notice_delivery_claim", "status", "next_attempt_at", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No foreign key (the unique key starts with it): attempts are created only from notice
    # rows that are never deleted, and the per-row check slowed the scan's outbox insert.
    notice_id: int
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    destination: str = Field(max_length=500)
    attempt: int = 1
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=EnumText(DeliveryStatus, 16)
    )
    error: str | None = Field(default=None, max_length=1000)
    next_attempt_at: datetime
    attempted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Who is sending this attempt and until when; an expired lease may be claimed again.
    claimed_by: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = None


class NoticePreference(SQLModel, table=True):
    """An owner's channels; an empty field means the channel is not used."""

    __tablename__ = "notice_preference"

    owner_id: int = Field(foreign_key="owner.id", primary_key=True)
    email: str | None = Field(default=None, max_length=200)
    webhook_url: str | None = Field(default=None, max_length=500)
    # Sealed (core.secret_box): `fernet:` + a Fernet token, never the secret in clear.
    webhook_secret: str | None = Field(default=None, max_length=600)
    mqtt_topic: str | None = Field(default=None, max_length=200, description="Site display")
    letter: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
