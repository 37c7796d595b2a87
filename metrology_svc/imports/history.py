"""What an import says about the verification history its rows give (pure, both languages).

A row's last-verification date becomes an imported verification (verifications.imported),
judged with the cycle in force on that date, and its result where the list gives one ("Kết
quả": đạt / không đạt, Đ / KĐ, pass / fail): a failed one makes the instrument failed. A date
before the rulebook's first cycle (Circular 23/2013, in force 15/11/2013) or after today
rejects the row, saying which dates are accepted. A row without a date stays registered and is
counted as "no history" (a row of an instrument already in the registry is not: the
registry keeps what it has).
"""

from datetime import date

from metrology_svc.imports.cells import RESULTS_SHOWN
from metrology_svc.imports.columns import HeaderMap
from metrology_svc.imports.rules import ParsedRow, RowError
from metrology_svc.imports.schemas import ImportReport
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError

SHOWN_ROWS = 10  # rows named in the "no history" warning; the count covers them all


def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def first_cycle(rulebook: Rulebook, type_code: str) -> date | None:
    """Return the first day the rulebook has a cycle for the type (None: never)."""
    history = rulebook.cycle_history(type_code)
    return history[0][0] if history else None


def accepted_dates(first: date | None, today: date) -> tuple[str, str]:
    """Return which verification dates are accepted, in Vietnamese and English."""
    if first is None:
        return (
            "loại này chưa có chu kỳ kiểm định trong sổ quy định: để trống ngày kiểm định",
            "this type has no verification cycle in the rulebook: leave the date empty",
        )
    return (
        f"ngày từ {_day(first)} (chu kỳ đầu tiên của sổ quy định) đến hôm nay {_day(today)}, "
        "dạng dd/mm/yyyy hoặc yyyy-mm-dd; ngày cũ hơn: để trống",
        f"a date from {_day(first)} (the rulebook's first cycle) to today {_day(today)}, as "
        "dd/mm/yyyy or yyyy-mm-dd; an older date: leave the cell empty",
    )


def in_future(row: int, label: str, day: date, first: date | None, today: date) -> RowError:
    """Refuse a verification date after today."""
    vi, en = accepted_dates(first, today)
    return RowError(
        row,
        label,
        "Ngày kiểm định ở tương lai",
        "The verification date lies in the future",
        _day(day),
        vi,
        en,
    )


def uncovered(
    row: int, label: str, day: date, exc: NoRuleError, first: date | None, today: date
) -> RowError:
    """Refuse a verification date no cycle covers (before the first one: 15/11/2013)."""
    vi, en = accepted_dates(first, today)
    before_vi = before_en = ""
    if first is not None and day < first:
        before_vi = f"; ngày này trước chu kỳ đầu tiên của sổ quy định ({_day(first)})"
        before_en = f"; the date is before the rulebook's first cycle ({_day(first)})"
    return RowError(
        row,
        label,
        f"Không tính được hạn kiểm định: {exc.vi}{before_vi}",
        f"No due date can be computed: {exc}{before_en}",
        _day(day),
        vi,
        en,
    )


def without_date(
    parsed: ParsedRow, header: HeaderMap, report: ImportReport, rows: list[int], known: bool
) -> list[RowError]:
    """Count a valid row without a verification date that creates an instrument (`known`: it
    is in the registry already, which keeps its own history), keeping the first ones' numbers
    in `rows`; warn if the row gives a result all the same."""
    if parsed.verified_on is not None:
        return []
    if not known:
        report.no_history += 1
        if len(rows) < SHOWN_ROWS:
            rows.append(parsed.row)
    if parsed.result is None:
        return []
    shown = "đạt" if parsed.result == "pass" else "không đạt"
    return [
        RowError(
            parsed.row,
            header.label("last_result"),
            f"Kết quả {shown} không được ghi: dòng không có ngày kiểm định",
            f"The result ({parsed.result}) is not recorded: the row has no verification date",
            shown,
            f"kết quả cùng ngày kiểm định ở cột {header.label('last_verified_on')}",
            f"a result with a verification date in {header.label('last_verified_on')}",
        )
    ]


def no_history(row: int, label: str, count: int, rows: list[int]) -> RowError:
    """Say once how many rows gave no verification date: they stay registered, no due date."""
    shown = ", ".join(map(str, rows[:SHOWN_ROWS])) + (", …" if count > SHOWN_ROWS else "")
    return RowError(
        row,
        label,
        f"Không có lịch sử kiểm định: {count} dòng không có ngày kiểm định (dòng {shown}); "
        "các phương tiện đo này ở trạng thái đã đăng ký, chưa có hạn kiểm định",
        f"No history: {count} {'row has' if count == 1 else 'rows have'} no verification date "
        f"({'row' if count == 1 else 'rows'} {shown}); these instruments "
        "stay registered, with no due date",
        "",
        f"ngày kiểm định gần nhất (dd/mm/yyyy hoặc yyyy-mm-dd) và kết quả nếu có ({RESULTS_SHOWN})",
        f"the last verification date (dd/mm/yyyy or yyyy-mm-dd) and its result if known "
        f"({RESULTS_SHOWN})",
    )
