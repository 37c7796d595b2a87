"""API shapes of notices, their deliveries and owners' channel preferences."""

from datetime import date, datetime

from pydantic import BaseModel, Field, HttpUrl

from metrology_svc.notices.models import Channel, DeliveryStatus, NoticeKind, RecipientRole


class NoticePublic(BaseModel):
    """A notice as the API shows it."""

    id: int
    kind: NoticeKind
    instrument_id: int
    owner_id: int
    due_date: date
    offset_days: int
    recipient_role: RecipientRole
    language: str
    number: str
    # The recipient as the notice was made (an owner's name and address, the site's name).
    recipient_name: str
    recipient_address: str
    site_name: str
    created_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None


class DeliveryPublic(BaseModel):
    """One delivery attempt."""

    id: int
    channel: Channel
    destination: str
    attempt: int
    status: DeliveryStatus
    error: str | None
    next_attempt_at: datetime
    attempted_at: datetime | None


class NoticeDetail(NoticePublic):
    """A notice with every delivery attempt."""

    deliveries: list[DeliveryPublic]


class Acknowledgement(BaseModel):
    """The answer to an acknowledgement link."""

    notice_id: int
    number: str
    acknowledged_at: datetime
    message: str = "Đã xác nhận thông báo. / Notice acknowledged."


class PreferenceIn(BaseModel):
    """An owner's channels; leave a field empty to stop using that channel."""

    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    mqtt_topic: str | None = Field(default=None, max_length=200, pattern=r"^[^#+\s]+$")
    letter: bool = False


class PreferencePublic(BaseModel):
    """An owner's channels as stored (the webhook secret is never shown)."""

    owner_id: int
    email: str | None
    webhook_url: str | None
    has_webhook_secret: bool
    mqtt_topic: str | None
    letter: bool
