"""Signed acknowledgement links: what a link names, read without changing anything.

A link opens the page {public_base_url}/xn/{token} (ACK_PAGE_PREFIX); its button POSTs there,
and the API twin is POST /api/v1/notices/ack?token=….
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from metrology_svc.core.errors import DomainError, NotFound
from metrology_svc.core.ratelimit import ACK_PAGE_PREFIX as ACK_PAGE_PREFIX  # re-exported
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.rules import read_link_token

MAX_TOKEN_CHARS = 100


class LinkInvalid(DomainError):
    """The link is malformed or its signature does not match."""

    status_code = 400
    code = "invalid_link"


class LinkExpired(DomainError):
    """The link was genuine but its last valid day has passed."""

    status_code = 410
    code = "link_expired"


@dataclass(frozen=True, slots=True)
class LinkedNotice:
    """A notice as its acknowledgement page shows it."""

    notice: Notice
    instrument: Instrument | None
    instrument_type: InstrumentType | None


def notice_of_link(
    session: Session, *, secret: bytes, token: str, today: date, link_days: int
) -> Notice:
    """Return the notice a link names; raise LinkInvalid, LinkExpired or NotFound.

    A link of the first form (`{id}.{mac}`, mailed before links expired) is honoured until
    `link_days` after its notice was made.
    """
    found = read_link_token(secret=secret, token=token) if len(token) <= MAX_TOKEN_CHARS else None
    if found is None:
        raise LinkInvalid(
            "This acknowledgement link is not valid.",
            message_vi="Đường dẫn xác nhận không hợp lệ.",
            loc=["path", "token"],
        )
    notice = NoticeRepository(session).get(found.notice_id)
    if notice is None:
        raise NotFound("This notice does not exist.", message_vi="Không có thông báo này.")
    last_day = found.valid_until or notice.created_at.date() + timedelta(days=link_days)
    if today > last_day:
        raise LinkExpired(
            "This acknowledgement link has expired; contact the office that sent the notice.",
            message_vi="Đường dẫn xác nhận đã hết hạn; vui lòng liên hệ cơ quan đã gửi thông báo.",
        )
    return notice


def linked_notice(session: Session, notice: Notice) -> LinkedNotice:
    """Return the notice with its instrument and the instrument's type, for the page."""
    instrument = session.get(Instrument, notice.instrument_id)
    kind = session.get(InstrumentType, instrument.type_code) if instrument else None
    return LinkedNotice(notice, instrument, kind)
