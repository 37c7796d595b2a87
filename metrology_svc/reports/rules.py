"""Pure rules of the yearly report: the period, the as-of date, rates and Vietnamese labels."""

from datetime import UTC, date, datetime, time, timedelta


def year_bounds(year: int) -> tuple[date, date, datetime, datetime]:
    """Return the first and last day of the year, and its start and end instants (UTC)."""
    return (
        date(year, 1, 1),
        date(year, 12, 31),
        datetime(year, 1, 1, tzinfo=UTC),
        datetime(year + 1, 1, 1, tzinfo=UTC),
    )


def period_bounds(first: date, last: date) -> tuple[date, date, datetime, datetime]:
    """Return the first and last day of a period, and its start and end instants (UTC)."""
    return first, last, datetime.combine(first, time(), UTC), end_of_day(last)


def whole_years(first: date, last: date) -> bool:
    """Tell whether a period runs from 1 January to 31 December (of the same or a later year)."""
    return (first.month, first.day, last.month, last.day) == (1, 1, 12, 31)


def period_words(first: date, last: date) -> str:
    """Return the period as a report's title says it: "năm 2026", "giai đoạn 2021-2025", or
    "từ ngày 01/03/2026 đến ngày 30/09/2026"."""
    if whole_years(first, last):
        if first.year == last.year:
            return f"năm {first.year}"
        return f"giai đoạn {first.year}-{last.year}"
    return f"từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


def period_as_of(last: date, today: date) -> date:
    """Return the day the end-of-period figures are taken on: the last day, or today."""
    return min(last, today)


def as_of(year: int, today: date) -> date:
    """Return the day the year-end figures are taken on: 31/12, or today if that is earlier."""
    return min(date(year, 12, 31), today)


def end_of_day(day: date) -> datetime:
    """Return the instant a day ends (UTC): instruments registered before it count that day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def pass_rate(passed: int, total: int) -> float | None:
    """Return the pass rate in per cent with one decimal, or None when nothing was verified."""
    return round(100.0 * passed / total, 1) if total else None


def vn_number(value: float | int | None) -> str:
    """Return a number the Vietnamese way: 1.234 for thousands, 95,5 for decimals."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    whole, _, frac = f"{value:,.1f}".partition(".")
    return f"{whole.replace(',', '.')},{frac}"


VERIFICATION_KINDS_VI = {
    "initial": "Ban đầu",
    "periodic": "Định kỳ",
    "after_repair": "Sau sửa chữa",
    "imported": "Nhập từ danh sách",
}
FINDING_KINDS_VI = {
    "no_stamp": "Không có tem kiểm định",
    "expired_stamp": "Tem kiểm định hết hiệu lực",
    "broken_seal": "Hỏng dấu niêm phong, kẹp chì",
    "error_beyond_mpe": "Sai số vượt mức cho phép",
    "ok": "Đạt yêu cầu",
}
# Kinds of site as the reports name them; a kind added later is printed by its code.
SITE_KINDS_VI = {
    "market": "Chợ",
    "fuel_station": "Cửa hàng xăng dầu",
    "gold_shop": "Cửa hàng vàng bạc",
    "other": "Cơ sở khác",
}
CHECK_KINDS_VI = {
    "retail_weighing": "Cân lại hàng hóa bán lẻ",
    "petrol_delivery": "Đong lại xăng dầu",
    "gold_measurement": "Cân lại vàng trang sức, mỹ nghệ",
}
# The finding that records no violation; every other kind is a violation found.
NO_VIOLATION = "ok"
REVOKE_REASONS_VI = {
    "failed_inspection": "Không đạt khi kiểm tra",
    "broken_seal": "Hỏng niêm phong",
    "lost_or_stolen": "Mất tem",
    "instrument_retired": "Ngừng sử dụng",
    "standard_out_of_tolerance": "Chuẩn đo lường không đạt",
}


def label(table: dict[str, str], key: str) -> str:
    """Return the Vietnamese label of a code (the code itself if unknown)."""
    return table.get(key, key)
