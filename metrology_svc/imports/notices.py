"""What an import says about the dates and statuses it never sets (pure, both languages).

A due-date column is read only to be compared: the registry's due date comes from the
verification date and the rulebook's cycle, so a different date in the file is a warning naming
both. A status column is not read at all. A verification date in the future, or one no cycle
covers, rejects the row.
"""

from datetime import date

from metrology_svc.imports.cells import norm
from metrology_svc.imports.columns import unknown_header
from metrology_svc.imports.rules import RowError
from metrology_svc.rulebook.rules import NoRuleError

STATUS_HEADERS = frozenset({"trạng thái", "tình trạng", "status", "trạng thái kiểm định"})


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "—"


def due_column(row: int, label: str) -> RowError:
    """Say once that the due-date column sets nothing."""
    return RowError(
        row,
        label,
        "Hạn kiểm định được tính từ ngày kiểm định và chu kỳ; cột này không được dùng "
        "(chỉ so sánh, có cảnh báo khi khác)",
        "The due date is computed from the verification date and the cycle; this column is "
        "not used (only compared, with a warning where it differs)",
    )


def status_columns(row: int, ignored: tuple[str, ...]) -> list[RowError]:
    """Say once for each status column that an import never sets a status."""
    return [
        RowError(
            row,
            label,
            "Trạng thái chỉ do kiểm định, kiểm tra hoặc người có thẩm quyền thay đổi; "
            "cột này không được dùng",
            "The status changes only by a verification, an inspection or a person; "
            "this column is not used",
        )
        for label in ignored
        if norm(label) in STATUS_HEADERS
    ]


def unknown_columns(row: int, ignored: tuple[str, ...]) -> list[RowError]:
    """Warn once for each header no column matches (status columns have their own notice)."""
    found = []
    for label in ignored:
        said = None if norm(label) in STATUS_HEADERS else unknown_header(label)
        if said is not None:
            found.append(RowError(row, label, *said, label))
    return found


def due_differs(row: int, label: str, *, listed: date, registry: date) -> RowError:
    """Warn that the file's due date is not the registry's (which the import kept)."""
    return RowError(
        row,
        label,
        f"Hạn kiểm định trong tệp {_day(listed)} khác hạn trong sổ {_day(registry)} (ngày "
        "kiểm định + chu kỳ); cột này không được dùng",
        f"The due date in the file, {_day(listed)}, differs from the registry's, "
        f"{_day(registry)} (verification date + cycle); this column is not used",
        _day(listed),
    )


def due_without_verification(row: int, label: str, rows: list[int]) -> RowError:
    """Say once which rows list a due date the registry cannot have: no verification date."""
    shown = ", ".join(map(str, rows[:10])) + (", …" if len(rows) > 10 else "")
    return RowError(
        row,
        label,
        f"Dòng có hạn kiểm định nhưng không có ngày kiểm định: {len(rows)} (dòng {shown}); "
        "các phương tiện đo này chưa có hạn kiểm định cho đến khi có ngày kiểm định",
        f"Rows with a due date but no verification date: {len(rows)} (rows {shown}); these "
        "instruments have no due date until a verification date is given",
    )


def in_future(row: int, label: str, day: date) -> RowError:
    """Refuse a verification date after today."""
    return RowError(
        row,
        label,
        "Ngày kiểm định ở tương lai",
        "The verification date lies in the future",
        _day(day),
    )


def no_cycle(row: int, label: str, day: date, exc: NoRuleError) -> RowError:
    """Refuse a verification date no cycle of the rulebook covers."""
    return RowError(
        row,
        label,
        f"Không tính được hạn kiểm định: {exc.vi}",
        f"No due date can be computed: {exc}",
        _day(day),
    )
