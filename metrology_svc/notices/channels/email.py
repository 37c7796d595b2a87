"""E-mail over SMTP (smtplib): one message on its own connection, or many on kept ones."""

import smtplib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.utils import format_datetime, formataddr, make_msgid
from io import BytesIO

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
    with _open(config) as smtp:
        smtp.send_message(message)


def _open(config: SmtpConfig) -> smtplib.SMTP:
    """Connect, greet, and (as configured) start TLS and log in."""
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
    try:
        if config.starttls:
            smtp.starttls()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.ehlo_or_helo_if_needed()
    except BaseException:
        smtp.close()
        raise
    return smtp


class _Stale(Exception):
    """A kept connection turned out closed before any of the message was sent."""


@dataclass(slots=True)
class _Kept:
    smtp: smtplib.SMTP
    sent: int = 0
    last_used: float = field(default_factory=time.monotonic)


class SmtpConnections:
    """SMTP connections kept open between messages, shared by threads, per server and account.

    Opening a connection (TCP, greeting, EHLO, QUIT; with STARTTLS a TLS handshake) costs
    more than the message. A thread takes an idle connection to the server (or opens one),
    uses it alone, and gives it back after a message went through: a server never has more
    connections open than messages sent to it at once (the dispatcher's per-host limit). A
    connection serves at most `max_messages` and is not used after `max_idle_s` idle. A server
    may close a kept connection at any time: when MAIL FROM fails on a kept connection, no part
    of the message has gone, so it is sent once more on a new connection; a failure at any
    later step is the attempt's failure, as on a new one (the Message-ID lets a receiver
    recognise the later retry). `close()` says QUIT on every idle one (call it at the end).
    """

    def __init__(self, *, max_messages: int = 100, max_idle_s: float = 20.0) -> None:
        self.max_messages, self.max_idle_s = max_messages, max_idle_s
        self._lock = threading.Lock()
        self._idle: dict[SmtpConfig, list[_Kept]] = {}
        self.opened = 0  # connections opened, for tests and figures

    def send(self, config: SmtpConfig, message: Message, *, to: str) -> None:
        """Send one message to one recipient; raise on any SMTP or network failure."""
        data = _flatten(message)
        entry = self._take(config)
        if entry is not None:
            try:
                self._transmit(entry, config, data, to=to, kept=True)
            except _Stale:
                _quietly_close(entry.smtp)
            else:
                self._give_back(config, entry)
                return
        entry = _Kept(_open(config))
        with self._lock:
            self.opened += 1
        self._transmit(entry, config, data, to=to, kept=False)
        self._give_back(config, entry)

    def _take(self, config: SmtpConfig) -> _Kept | None:
        """Return the most recently used idle connection still fit for use, or None."""
        while True:
            with self._lock:
                idle = self._idle.get(config)
                entry = idle.pop() if idle else None
            if entry is None or self._usable(entry):
                return entry
            _quit(entry.smtp)  # worn out or idle too long

    def _give_back(self, config: SmtpConfig, entry: _Kept) -> None:
        with self._lock:
            self._idle.setdefault(config, []).append(entry)

    def _usable(self, entry: _Kept) -> bool:
        idle = time.monotonic() - entry.last_used
        return entry.sent < self.max_messages and idle < self.max_idle_s

    @staticmethod
    def _transmit(entry: _Kept, config: SmtpConfig, data: bytes, *, to: str, kept: bool) -> None:
        smtp = entry.smtp
        options = [] if (config.sender + to).isascii() else ["SMTPUTF8"]
        if options and not smtp.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("the server does not take non-ASCII addresses")
        try:
            try:
                code, reply = smtp.mail(config.sender, options)
            except (smtplib.SMTPServerDisconnected, OSError):
                if kept:
                    raise _Stale from None
                raise
            if code == 421 and kept:  # "closing": nothing was sent; try a new connection
                raise _Stale
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, config.sender)
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
            code, reply = smtp.data(data)
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except BaseException:
            # The connection's state is unknown after a refusal or a break: never reuse it.
            _quietly_close(smtp)
            entry.sent = 1 << 30
            raise
        entry.sent += 1
        entry.last_used = time.monotonic()

    def close(self) -> None:
        """Say QUIT on every idle connection (those in use are closed by their failure)."""
        with self._lock:
            every = [entry for idle in self._idle.values() for entry in idle]
            self._idle = {}
        for entry in every:
            _quit(entry.smtp)


def _flatten(message: Message) -> bytes:
    out = BytesIO()
    BytesGenerator(out, policy=message.policy.clone(linesep="\r\n")).flatten(message)
    return out.getvalue()


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        _quietly_close(smtp)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        return
