"""A notice e-mail as a mail client reads it: every header of a message aiosmtpd received."""

import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

from sqlmodel import Session, select

from metrology_svc.notices.channels.send import send
from metrology_svc.notices.models import Channel, Notice
from metrology_svc.notices.service import render
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.metrology_svc.notices.conftest import SmtpServer
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)
OFFICE_NAME = "Chi cục Tiêu chuẩn Đo lường Chất lượng Hà Tĩnh"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# RFC 5322 msg-id: "<" id-left "@" id-right ">", no spaces.
MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def received(smtp: SmtpServer) -> list[EmailMessage]:
    """Parse what the server received the way a mail client does (headers decoded)."""
    parsed = []
    for _sender, _recipients, content in smtp.mailbox.messages:
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def raw_header(content: bytes, name: str) -> str:
    """Return a header of a message as it travelled (encoded words, folded), undecoded."""
    values = message_from_bytes(content).get_all(name) or []  # compat32: raw strings
    assert len(values) == 1
    return str(values[0])


def test_every_header_of_a_notice_email_reads_right(
    db: Session, world: World, settings: Settings, smtp: SmtpServer
) -> None:
    smtp.start()
    settings = settings.model_copy(
        update={"smtp_port": smtp.port, "smtp_from_name": OFFICE_NAME, "channel_timeout_s": 5}
    )
    add_instrument(db, world, serial="M-vi", due_date=DUE, owner_id=world.owner_vi)
    add_instrument(db, world, serial="M-en", due_date=DUE, owner_id=world.owner_en)
    run_due_scan(db, now=FakeClock(DUE - timedelta(days=7))(), settings=settings)
    before = datetime.now(UTC).replace(microsecond=0)
    for notice in db.exec(select(Notice).order_by(Notice.id)):  # type: ignore[arg-type]
        rendered = render(db, notice, settings=settings)
        send(Channel.EMAIL, "hoa@example.vn", rendered, settings=settings, secret="")
    after = datetime.now(UTC)
    messages = received(smtp)
    assert len(messages) == 2
    ids = set()
    for message, (_s, _r, content) in zip(messages, smtp.mailbox.messages, strict=True):
        # Date: present once, parses, zone-aware, the moment of sending.
        assert len(message.get_all("Date") or []) == 1
        sent = parsedate_to_datetime(str(message["Date"]))
        assert sent.tzinfo is not None
        assert before <= sent <= after + timedelta(seconds=1)
        # Message-ID: present once, well formed, its domain the sender's.
        (mid,) = message.get_all("Message-ID") or []
        assert MSG_ID.match(str(mid).strip()), mid
        assert str(mid).strip().endswith("@tdc.example.vn>")
        ids.add(str(mid).strip())
        # From: the office's name (RFC 2047 on the wire) decodes to the Vietnamese name, read
        # as RFC 2047 says and mail clients do: whitespace between encoded words is dropped
        # (the stdlib's structured-header parser keeps it inside a display name).
        name, address = parseaddr(str(make_header(decode_header(raw_header(content, "From")))))
        assert (name, address) == (OFFICE_NAME, settings.smtp_from)
        assert len(message.get_all("From") or []) == 1
        assert str(message["To"]) == "hoa@example.vn"
        body = message.get_content()
        assert "24/03/2027" in body  # issued on (the scan's day)
        assert "31/03/2027" in body  # the due date
        assert not ISO_DATE.search(body), ISO_DATE.findall(body)
    assert len(ids) == 2  # unique per message
    assert {str(m["Subject"]) for m in messages} == {
        "Nhắc lịch kiểm định: Cân đồng hồ lò xo số M-vi đến hạn ngày 31/03/2027",
        "Verification reminder: Spring dial scale no. M-en is due on 31/03/2027",
    }
    for _sender, _recipients, content in smtp.mailbox.messages:
        # The Vietnamese name and subject travel RFC 2047-encoded: the header block is ASCII.
        head = content.split(b"\r\n\r\n", 1)[0]
        assert head.isascii()
        words = re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head)
        assert words
        assert max(len(w) for w in words) <= 75  # RFC 2047's limit per encoded word
