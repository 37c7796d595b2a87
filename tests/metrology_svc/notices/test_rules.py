"""Pure rules: reminder windows, backoff and signed tokens."""

from datetime import UTC, date, datetime, timedelta

from metrology_svc.notices.rules import (
    ack_token,
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


def test_backoff_doubles() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert [retry_at(now=now, attempt=a, base_seconds=60) - now for a in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]


def test_tokens_name_their_notice_and_resist_forgery() -> None:
    token = ack_token(secret=b"k1", notice_id=42)
    assert notice_id_from_token(secret=b"k1", token=token) == 42
    assert notice_id_from_token(secret=b"k2", token=token) is None
    assert notice_id_from_token(secret=b"k1", token="43." + token.split(".")[1]) is None
    assert notice_id_from_token(secret=b"k1", token="not-a-token") is None
