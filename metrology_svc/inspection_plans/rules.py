"""Pure rules of inspection plans: periods, windows, scope by unit path, the number line."""

import calendar
from collections.abc import Iterable
from datetime import date

DOC_TYPE = "KH"  # kế hoạch (Decree 30/2020/NĐ-CP, appendix III)
MAX_PERIOD_YEARS = 5  # a plan for "2021–2025" is the longest an office writes


def year_period(year: int) -> tuple[date, date]:
    """Return the first and last day of a calendar year."""
    return date(year, 1, 1), date(year, 12, 31)


def month_window(year: int, month: int) -> tuple[date, date]:
    """Return the first and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_problem(first: date, last: date) -> tuple[str, str] | None:
    """Return what is wrong with a plan's period (English, Vietnamese), or None."""
    if last < first:
        return (
            "The period ends before it begins.",
            "Thời gian của kế hoạch kết thúc trước khi bắt đầu.",
        )
    if last.year - first.year >= MAX_PERIOD_YEARS:
        return (
            f"A plan covers at most {MAX_PERIOD_YEARS} calendar years.",
            f"Kế hoạch chỉ bao gồm tối đa {MAX_PERIOD_YEARS} năm.",
        )
    return None


def inside(window: tuple[date, date], period: tuple[date, date]) -> bool:
    """Tell whether a window lies wholly inside a period (both ends included)."""
    return period[0] <= window[0] <= window[1] <= period[1]


def under(path: str, scope: Iterable[str]) -> bool:
    """Tell whether a unit path lies under one of the scope's paths (a commune in a province)."""
    return any(path.startswith(p) for p in scope)


def overlaps(plan_paths: Iterable[str], user_paths: Iterable[str]) -> bool:
    """Tell whether a plan's units and a user's units share ground (either holds the other)."""
    mine = tuple(user_paths)
    return any(p.startswith(u) or u.startswith(p) for p in plan_paths for u in mine)


def default_subject(first: date, last: date) -> str:
    """Return the plan's subject: "Kiểm tra nhà nước về đo lường năm 2027" (or "giai đoạn")."""
    if first.year == last.year:
        return f"Kiểm tra nhà nước về đo lường năm {first.year}"
    return f"Kiểm tra nhà nước về đo lường giai đoạn {first.year} - {last.year}"


def number_line(number: int | None, symbol: str) -> str:
    """Return the number line: "Số: 05/KH-SKHCN" (Decree 30/2020 writes a zero before numbers
    under 10); a draft keeps the number blank for the clerk."""
    written = f"{number:02d}" if number is not None else "      "
    return f"Số: {written}/{DOC_TYPE}-{symbol}"


def window_text(first: date, last: date) -> str:
    """Return a target's time as offices write it: "Tháng 3/2027" or "05/03/2027 - 20/03/2027"."""
    whole_month = (first.year, first.month, 1) == (last.year, last.month, first.day)
    if whole_month and last.day == calendar.monthrange(last.year, last.month)[1]:
        return f"Tháng {first.month}/{first.year}"
    if first == last:
        return first.strftime("%d/%m/%Y")
    return f"{first.strftime('%d/%m/%Y')} - {last.strftime('%d/%m/%Y')}"
