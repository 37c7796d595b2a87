"""Every error of a checked list, written to a file as it is found (never held in memory).

The import's report lists the first rejected rows and counts the rest by reason; a clerk with
a list of 20,000 rows also needs each row's reason. An ErrorFile receives every rejected row's
errors while the list is checked and writes them as CSV rows (UTF-8 with a BOM, so Excel
opens it in Vietnamese; cells guarded against formulas by core.cells), so memory stays flat
however many rows are rejected, and the file is sent back as a stream.

The XLSX report (write_xlsx_report) keeps the errors in an ErrorStore (a temporary SQLite
file), then reads the list again and writes its rows with each offending cell filled red and a
comment holding the reasons in both languages, and a second sheet listing every error; openpyxl
in write-only mode, every cell a text cell (core.cells), so memory stays bounded.
"""

import csv
import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TextIO, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from metrology_svc.core.cells import as_text as text_cell
from metrology_svc.core.cells import csv_row
from metrology_svc.imports.cells import as_text
from metrology_svc.imports.readers import Table
from metrology_svc.imports.schemas import RowErrorPublic

HEADER = {
    "vi": ("Dòng", "Cột", "Lý do", "Reason", "Giá trị"),
    "en": ("Row", "Column", "Lý do", "Reason", "Value"),
}


class ErrorFile:
    """CSV rows of errors, written to a text file the caller opened (newline="")."""

    def __init__(self, out: TextIO, *, lang: str = "vi") -> None:
        self.out, self.lang = out, lang
        self.written = 0
        self.restart()

    def restart(self) -> None:
        """Start again from an empty file (the importer reads a list twice in rare cases)."""
        self.out.seek(0)
        self.out.truncate()
        self.out.write("\ufeff")
        self._csv = csv.writer(self.out)
        self._csv.writerow(HEADER.get(self.lang, HEADER["vi"]))
        self.written = 0

    def write(self, errors: list[RowErrorPublic]) -> None:
        """Append one rejected row's errors."""
        for e in errors:
            self._csv.writerow(csv_row((e.row, e.column, e.reason_vi, e.reason_en, e.value)))
        self.written += len(errors)


class ErrorSink(Protocol):
    """Where every error of a checked list goes: a CSV (ErrorFile) or a store (ErrorStore)."""

    def restart(self) -> None:
        """Forget what was received (the importer reads a list twice in rare cases)."""

    def write(self, errors: list[RowErrorPublic]) -> None:
        """Receive one rejected row's errors."""


_FIELDS = ("row", "column", "reason_vi", "reason_en", "value", "accepted_vi", "accepted_en")
_CREATE = (
    "CREATE TABLE error (id INTEGER PRIMARY KEY, row INTEGER, column TEXT, reason_vi TEXT, "
    "reason_en TEXT, value TEXT, accepted_vi TEXT, accepted_en TEXT)"
)
_INSERT = (
    "INSERT INTO error (row, column, reason_vi, reason_en, value, accepted_vi, accepted_en) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT row, column, reason_vi, reason_en, value, accepted_vi, accepted_en FROM error "
    "ORDER BY row, id"
)


class ErrorStore:
    """Every error of a checked list in a temporary SQLite file, to be read back by row.

    Errors arrive row by row but not in row order (a chunk's unreadable cells first, then its
    rows judged against the registry); the store gives them back in row order, so the XLSX
    report streams the list and its errors side by side with flat memory.
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(_CREATE)
        self.db.execute("CREATE INDEX error_row ON error (row, id)")
        self.written = 0

    def restart(self) -> None:
        """Start again from an empty store."""
        self.db.execute("DELETE FROM error")
        self.written = 0

    def write(self, errors: list[RowErrorPublic]) -> None:
        """Keep one rejected row's errors."""
        self.db.executemany(_INSERT, [tuple(getattr(e, f) for f in _FIELDS) for e in errors])
        self.written += len(errors)

    def errors(self) -> Iterator[RowErrorPublic]:
        """Yield every error, by row, then in the order found."""
        cursor = self.db.execute(_SELECT)
        for values in cursor:
            yield RowErrorPublic(**dict(zip(_FIELDS, values, strict=True)))

    def by_row(self) -> Iterator[tuple[int, list[RowErrorPublic]]]:
        """Yield (row, its errors), rows in ascending order."""
        for row, errors in itertools.groupby(self.errors(), key=lambda e: e.row):
            yield row, list(errors)

    def close(self) -> None:
        """Close the database (the caller deletes the file)."""
        self.db.close()


# The XLSX report: every row with an error, and rows without one up to the first KEPT_ROWS.
KEPT_ROWS = 1000
RED = PatternFill("solid", fgColor="FFC7CE")
ROW_HEADER = "Dòng / Row"
LIST_SHEET, ERRORS_SHEET = "Danh sách - List", "Lỗi - Errors"
ERRORS_HEADER = (
    "Dòng / Row",
    "Cột / Column",
    "Giá trị / Value",
    "Lý do",
    "Reason",
    "Giá trị được chấp nhận",
    "Accepted",
)


def _comment(errors: list[RowErrorPublic]) -> Comment:
    parts = []
    for e in errors:
        text = f"{e.reason_vi}\n{e.reason_en}"
        if e.accepted_vi or e.accepted_en:
            text += f"\nChấp nhận: {e.accepted_vi}\nAccepted: {e.accepted_en}"
        parts.append(text)
    comment = Comment("\n\n".join(parts)[:30000], "metrology_svc")
    comment.width, comment.height = 360, 60 + 80 * len(errors)
    return comment


def _text_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    text = "" if value is None else as_text(value) if isinstance(value, str | int | float) else ""
    return cast(WriteOnlyCell, text_cell(WriteOnlyCell(sheet, value=text)))


def write_xlsx_report(path: Path, table: Table, store: ErrorStore, *, kept: int = KEPT_ROWS) -> int:
    """Write the list's rows as read, offending cells red with a comment (vi + en), and a
    second sheet of every error; every cell text, never a formula. Return the rows written.

    Columns the import does not use are not in the list sheet; rows without an error past the
    first `kept` rows are left out (the sheet says so in its last line)."""
    book = Workbook(write_only=True)
    listed, every = book.create_sheet(LIST_SHEET), book.create_sheet(ERRORS_SHEET)
    order = sorted(table.header.positions, key=table.header.positions.__getitem__)
    labels = [table.header.label(k) for k in order]
    where = {label: i + 1 for i, label in enumerate(labels)}
    listed.append([_text_cell(listed, v) for v in (ROW_HEADER, *labels)])
    pending = store.by_row()
    nxt = next(pending, None)
    written = 0
    left_out = False

    def marked(number: int, values: list[Any], errors: list[RowErrorPublic]) -> list[Any]:
        cells = [_text_cell(listed, v) for v in (number, *values)]
        by_cell: dict[int, list[RowErrorPublic]] = {}
        for e in errors:
            by_cell.setdefault(where.get(e.column, 0), []).append(e)
        for index, found in by_cell.items():
            cells[index].fill = RED
            cells[index].comment = _comment(found)
        return cells

    for raw in table.rows:
        errors: list[RowErrorPublic] = []
        while nxt is not None and nxt[0] <= raw.row:
            if nxt[0] == raw.row:
                errors = nxt[1]
            nxt = next(pending, None)
        if not errors and written >= kept:
            left_out = True
            continue
        listed.append(marked(raw.row, [raw.values.get(k, "") for k in order], errors))
        written += 1
    if left_out:
        listed.append([])
        note = (
            f"Các dòng không có lỗi sau {kept} dòng đầu không được đưa vào tệp này / Rows "
            f"without errors after the first {kept} are left out of this file"
        )
        listed.append([_text_cell(listed, note)])
    listed.append(
        [
            _text_cell(
                listed,
                "Chỉ có các cột được nhập; ô tô đỏ có lỗi, xem chú thích / Only the columns "
                "the import reads; red cells have errors, see their comments",
            )
        ]
    )
    every.append([_text_cell(every, v) for v in ERRORS_HEADER])
    for e in store.errors():
        values = (e.row, e.column, e.value, e.reason_vi, e.reason_en, e.accepted_vi, e.accepted_en)
        every.append([_text_cell(every, v) for v in values])
    book.save(path)
    return written
