"""Pure rules of a report's period: its words, its bounds, the as-of day (property tests)."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from metrology_svc.reports.rules import period_as_of, period_bounds, period_words, whole_years

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def test_the_words_follow_the_offices_usage() -> None:
    assert period_words(date(2026, 1, 1), date(2026, 12, 31)) == "năm 2026"
    assert period_words(date(2021, 1, 1), date(2025, 12, 31)) == "giai đoạn 2021-2025"
    assert (
        period_words(date(2026, 3, 1), date(2026, 9, 30))
        == "từ ngày 01/03/2026 đến ngày 30/09/2026"
    )


@settings(max_examples=200)
@given(first=days, length=st.integers(min_value=0, max_value=3650), today=days)
def test_bounds_cover_exactly_the_days_of_the_period(first: date, length: int, today: date) -> None:
    last = min(first + timedelta(days=length), date(2100, 12, 31))
    lo, hi, start, end = period_bounds(first, last)
    assert (lo, hi) == (first, last)
    assert start == datetime(first.year, first.month, first.day, tzinfo=UTC)
    assert end - timedelta(microseconds=1) < datetime.combine(
        last + timedelta(days=1), datetime.min.time(), UTC
    )
    assert end.date() == last + timedelta(days=1)  # the last day counts whole
    assert period_as_of(last, today) == min(last, today)
    words = period_words(first, last)
    assert str(first.year) in words
    assert str(last.year) in words
    assert whole_years(first, last) == words.startswith(("năm", "giai đoạn"))
