"""Pure rules of notices: reminder windows, retry backoff, signed acknowledgement links."""

import base64
import hashlib
import hmac
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
    NoticeKind.FAILED_VERIFICATION: RecipientRole.INSPECTOR,
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


def webhook_signature(*, secret: str, body: bytes) -> str:
    """Return the X-Metrology-Signature header value: sha256=<hex HMAC of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
