"""Pure rules: reminder windows, backoff and signed tokens."""

from datetime import UTC, date, datetime, timedelta

from metrology_svc.notices.rules import (
    ack_token,
    delivery_key,
    message_id,
    notice_id_from_token,
    reminder_windows,
    retry_at,
)


def test_each_due_date_falls_in_exactly_one_reminder_window() -> None:
    today = date(2026, 11, 22)
    windows = reminder_windows(today=today, offsets=[30, 7, 0, 7])
    assert [(w.offset_days, (w.first - today).days, (w.last - today).days) for w in windows] == [
        (0, 0, 0),
        (7, 1, 7),
        (30, 8, 30),
    ]


def test_retries_follow_the_schedule_within_the_jitter_and_end_after_it() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = [1, 60, 1440]

    def wait(attempt: int, spread: float) -> timedelta | None:
        at = retry_at(
            now=now, attempt=attempt, schedule_minutes=schedule, jitter=0.2, spread=spread
        )
        return None if at is None else at - now

    assert [wait(a, 0.0) for a in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(hours=1),
        timedelta(days=1),
    ]
    assert wait(3, -1.0) == timedelta(hours=24 * 0.8)
    assert wait(3, 1.0) == timedelta(hours=24 * 1.2)
    assert wait(3, 7.0) == timedelta(hours=24 * 1.2)  # the spread is clamped to [-1, 1]
    assert wait(4, 0.0) is None  # the schedule is spent: the last attempt failed


def test_delivery_key_is_stable_per_channel_and_destination() -> None:
    key = delivery_key(notice_id=7, channel="email", destination="a@example.vn")
    assert key == delivery_key(notice_id=7, channel="email", destination="a@example.vn")
    assert key != delivery_key(notice_id=7, channel="email", destination="b@example.vn")
    assert key != delivery_key(notice_id=8, channel="email", destination="a@example.vn")
    assert key != delivery_key(notice_id=7, channel="webhook", destination="a@example.vn")
    assert message_id(key=key, sender="Văn phòng <tb@skhcn.example.vn>") == (
        f"<{key}@skhcn.example.vn>"
    )
    assert all(c.isalnum() or c in ".-" for c in key)  # dot-atom text: fits a Message-ID


def test_tokens_name_their_notice_and_resist_forgery() -> None:
    token = ack_token(secret=b"k1", notice_id=42)
    assert notice_id_from_token(secret=b"k1", token=token) == 42
    assert notice_id_from_token(secret=b"k2", token=token) is None
    assert notice_id_from_token(secret=b"k1", token="43." + token.split(".")[1]) is None
    assert notice_id_from_token(secret=b"k1", token="not-a-token") is None
