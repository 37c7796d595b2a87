"""E-mail over SMTP (smtplib)."""

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.utils import format_datetime, formataddr, make_msgid

# Quoted-printable: a Vietnamese body stays legible in the raw message and to filters.
_BODY_CHARSET = Charset("utf-8")
_BODY_CHARSET.body_encoding = QP


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send mail; `sender_name` is the display name of From (the office)."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout_s: float = 10.0
    sender_name: str = ""


def _header(name: str, value: str) -> str:
    """Return a header value: ASCII as it is, anything else as RFC 2047 encoded words."""
    return (
        value if value.isascii() else Header(value, "utf-8", header_name=name).encode(maxlinelen=75)
    )


def _sender(config: SmtpConfig) -> str:
    """Return From: "Name" <address>, the name in encoded words of at most 75 characters."""
    if config.sender_name.isascii():
        return formataddr((config.sender_name, config.sender))
    # formataddr would make one encoded word of any length (RFC 2047 allows 75).
    return f"{_header('From', config.sender_name)} <{config.sender}>"


def build_message(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    body: str,
    message_id: str = "",
    sent_at: datetime | None = None,
) -> Message:
    """Return the plain-text UTF-8 message with every header a mail client expects.

    From carries the office's name ("Chi cục …" <address>), Date the moment of this attempt
    in UTC, Message-ID the delivery's stable id or, without one, a new one.
    """
    # email.message.EmailMessage (policy.default) folds encoded words at spaces and loses
    # them: "Cân đồng hồ" arrived as "Cân đồnghồ". Header and formataddr split within
    # encoded words, which every decoder (RFC 2047) joins back exactly.
    message = Message()
    message.set_payload(body, _BODY_CHARSET)  # text/plain; charset="utf-8", MIME-Version
    message["From"] = _sender(config)
    message["To"] = to
    message["Subject"] = _header("Subject", subject)
    # A numeric zone (+0000), not formatdate's "-0000" ("zone unknown"): readers show the
    # reader's local time from it.
    message["Date"] = format_datetime(sent_at or datetime.now(UTC))
    domain = config.sender.rpartition("@")[2].strip(" >") or "localhost"
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    return message


def send_email(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    body: str,
    message_id: str = "",
    sent_at: datetime | None = None,
) -> None:
    """Send a plain-text UTF-8 message; raise on any SMTP or network failure.

    `message_id` ("<key@domain>") is the same for every attempt of one delivery, so a retry
    after a crash at the worst moment is recognisable downstream.
    """
    message = build_message(
        config, to=to, subject=subject, body=body, message_id=message_id, sent_at=sent_at
    )
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(message)
