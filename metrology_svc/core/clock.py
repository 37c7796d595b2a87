"""Time in one place, so tests and jobs can move it."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC (the database stores UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """Return today's date in UTC."""
    return utcnow().date()
