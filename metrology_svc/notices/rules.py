"""Pure rules of notices: reminder windows, retry backoff, signed acknowledgement links."""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from metrology_svc.notices.models import NoticeKind, RecipientRole

# Short codes in notice numbers, e.g. "TB-NH-000123-20261201-7".
KIND_CODES: dict[NoticeKind, str] = {
    NoticeKind.DUE_SOON: "NH",  # nhắc hạn
    NoticeKind.OVERDUE_RECALL: "TH",  # thu hồi
    NoticeKind.FAILED_VERIFICATION: "KD",  # không đạt
    NoticeKind.RECALL_ESCALATION: "BC",  # báo cáo thanh tra
    NoticeKind.SUSPECT_SELLER: "NB",  # nghi bán thiếu
    NoticeKind.LOST_STAMP: "MT",  # mất tem
    NoticeKind.CONTROL_OFFLINE: "DC",  # cân đối chứng mất kết nối
    NoticeKind.CONTROL_OUT_OF_TOLERANCE: "DS",  # cân đối chứng sai số
}

RECIPIENTS: dict[NoticeKind, RecipientRole] = {
    NoticeKind.DUE_SOON: RecipientRole.OWNER,
    NoticeKind.OVERDUE_RECALL: RecipientRole.OWNER,
    NoticeKind.FAILED_VERIFICATION: RecipientRole.OWNER_AND_OFFICERS,
    NoticeKind.RECALL_ESCALATION: RecipientRole.INSPECTOR,
    NoticeKind.SUSPECT_SELLER: RecipientRole.INSPECTOR,
    NoticeKind.LOST_STAMP: RecipientRole.OWNER,
    NoticeKind.CONTROL_OFFLINE: RecipientRole.MARKET_BOARD,
    NoticeKind.CONTROL_OUT_OF_TOLERANCE: RecipientRole.MARKET_BOARD,
}


@dataclass(frozen=True, slots=True)
class ReminderWindow:
    """Due dates that get the reminder of `offset_days` today (first and last, inclusive)."""

    offset_days: int
    first: date
    last: date


def reminder_windows(*, today: date, offsets: list[int]) -> list[ReminderWindow]:
    """Return, per offset, the due dates whose nearest passed threshold is that offset.

    An instrument 5 days from its due date gets the 7-day reminder, not the 30-day one: after
    a pause of the scheduler the most urgent reminder is sent, never a stale one.
    """
    ordered = sorted({o for o in offsets if o >= 0})
    windows: list[ReminderWindow] = []
    previous = -1
    for offset in ordered:
        first = today + timedelta(days=previous + 1)
        windows.append(ReminderWindow(offset, first, today + timedelta(days=offset)))
        previous = offset
    return windows


def retry_at(
    *, now: datetime, attempt: int, schedule_minutes: list[int], jitter: float, spread: float
) -> datetime | None:
    """Return when attempt + 1 is due, or None when `attempt` was the last one.

    The wait after attempt n is the schedule's n-th entry, stretched by `jitter · spread`
    (spread drawn in [-1, 1] by the caller): retries of one outage do not arrive together.
    """
    if attempt < 1 or attempt > len(schedule_minutes):
        return None
    factor = 1.0 + jitter * max(-1.0, min(1.0, spread))
    return now + timedelta(minutes=schedule_minutes[attempt - 1] * factor)


def delivery_key(*, notice_id: int, channel: str, destination: str) -> str:
    """Return the stable key of a notice's delivery on a channel to a destination.

    Every attempt carries it (e-mail Message-ID, webhook Idempotency-Key), so a receiver can
    tell a retry after a crash at the worst moment from a new message. Dot-atom text only.
    """
    digest = hashlib.sha256(f"{notice_id}\x1f{channel}\x1f{destination}".encode()).hexdigest()
    return f"notice-{notice_id}.{channel}.{digest[:24]}"


def message_id(*, key: str, sender: str) -> str:
    """Return the Message-ID of a delivery key: "<key@domain of the sender address>"."""
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{key}@{domain}>"


def _mac(secret: bytes, notice_id: int) -> str:
    digest = hmac.new(secret, f"notice:{notice_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def ack_token(*, secret: bytes, notice_id: int) -> str:
    """Return the token of a notice's acknowledgement link: id and an HMAC-SHA256 of it."""
    return f"{notice_id}.{_mac(secret, notice_id)}"


def notice_id_from_token(*, secret: bytes, token: str) -> int | None:
    """Return the notice id a token was signed for, or None if it is malformed or forged."""
    head, _, mac = token.partition(".")
    if not head.isdigit() or len(head) > 12 or not mac:
        return None
    notice_id = int(head)
    return notice_id if hmac.compare_digest(mac, _mac(secret, notice_id)) else None


# A link token: notice id (6 bytes), last valid day (3 bytes, days since 1970-01-01) and the
# first 12 bytes of an HMAC-SHA256 of both: 21 bytes, 28 base64url characters, no padding.
LINK_TOKEN_CHARS = 28
_LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{28}")
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class LinkToken:
    """What a signed acknowledgement link names: the notice, and its last valid day.

    `valid_until` is None for a link of the first form (`{id}.{mac}`), which had no expiry.
    """

    notice_id: int
    valid_until: date | None


def _link_mac(secret: bytes, head: bytes) -> bytes:
    return hmac.new(secret, b"ack-link|" + head, hashlib.sha256).digest()[:12]


def link_token(*, secret: bytes, notice_id: int, valid_until: date) -> str:
    """Return a compact signed token naming a notice and the last day its link works."""
    head = notice_id.to_bytes(6, "big") + (valid_until - _EPOCH).days.to_bytes(3, "big")
    return base64.urlsafe_b64encode(head + _link_mac(secret, head)).decode()


def read_link_token(*, secret: bytes, token: str) -> LinkToken | None:
    """Return what a link token names, or None if it is malformed or forged (either form)."""
    if "." in token:  # the first form, mailed before links expired
        notice_id = notice_id_from_token(secret=secret, token=token)
        return None if notice_id is None else LinkToken(notice_id, None)
    if _LINK_TOKEN.fullmatch(token) is None:  # b64decode alone skips stray characters
        return None
    raw = base64.urlsafe_b64decode(token)
    head, mac = raw[:9], raw[9:]
    if not hmac.compare_digest(mac, _link_mac(secret, head)):
        return None
    days = int.from_bytes(head[6:], "big")
    return LinkToken(int.from_bytes(head[:6], "big"), _EPOCH + timedelta(days=days))


def webhook_signature(*, secret: str, body: bytes) -> str:
    """Return the X-Metrology-Signature header value: sha256=<hex HMAC of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
