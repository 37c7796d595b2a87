"""The round as a working plan in XLSX: what an inspector takes out for the day, printable.

One sheet: the title, the window and the days off, then a header row (repeated on every
printed page) and, day by day, the visits: inspector, commune, site and address once per
visit (merged down its rows), then one row per instrument: type, serial, owner, stall, due
date and reason. What did not fit follows under its own band. Columns are as wide as their
content up to a limit, beyond which the text wraps; dates get room for dd/mm/yyyy, so no cell
shows "###". A4 landscape, fitted to one page wide.
"""

import io
import math
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from metrology_svc.core.cells import text_cells
from schedules.rounds import RoundBook, RoundInstrument, day_label, reason_vi

FONT = "Times New Roman"
HEADER = (
    ("Kiểm định viên", "Inspector", 22),
    ("Xã, phường", "Commune", 18),
    ("Địa điểm", "Site", 24),
    ("Địa chỉ", "Address", 30),
    ("TT", "No.", 7),
    ("Phương tiện đo", "Instrument", 24),
    ("Số sản xuất", "Serial", 16),
    ("Chủ phương tiện đo", "Owner", 22),
    ("Quầy, sạp", "Stall", 18),
    ("Hạn kiểm định", "Due date", 17),
    ("Lý do", "Reason", 22),
)
COLUMNS = len(HEADER)
HEADER_ROW = 5
DATE_FORMAT = "DD/MM/YYYY"
# Times New Roman 11 runs about 10 % wider than the width unit (Calibri 11's digit).
CHAR_FACTOR = 1.1
LINE_HEIGHT = 15.0
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
BAND = PatternFill("solid", fgColor="DDEBF7")
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")

Row = tuple[str | int | date | None, ...]


def _instrument_cells(item: RoundInstrument, number: int, *, first: date) -> Row:
    return (
        number, item.type_name, item.serial, item.owner, item.stall or None, item.due_date,
        reason_vi(item, first=first),
    )  # fmt: skip


def _capital(words: str) -> str:
    """Return a name as a table cell starts it: "phường Sông Trí" → "Phường Sông Trí"."""
    return words[:1].upper() + words[1:]


def _title(sheet: Worksheet, book: RoundBook) -> None:
    last = get_column_letter(COLUMNS)
    lines = [
        f"KẾ HOẠCH KIỂM ĐỊNH PHƯƠNG TIỆN ĐO - {book.unit_name.upper()}",
        f"Thời gian: từ ngày {book.first:%d/%m/%Y} đến ngày {book.last:%d/%m/%Y}; "
        f"{len(book.sites)} địa điểm, {sum(len(s.instruments) for s in book.sites)} phương tiện "
        f"đo, {book.inspectors} kiểm định viên, tối đa {book.capacity} phương tiện đo một người "
        "một ngày.",
        "Ngày nghỉ (không xếp lịch): "
        + (
            "; ".join(_day_off_text(d.day, d.reason, d.unit_name) for d in book.days_off) or "không"
        ),
    ]
    for row, text in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=text)
        sheet.merge_cells(f"A{row}:{last}{row}")
        sheet.cell(row=row, column=1).alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="center" if row == 1 else "left"
        )
    sheet.cell(row=1, column=1).font = Font(name=FONT, bold=True, size=14)
    sheet.row_dimensions[1].height = 24
    width = sum(w for _, _, w in HEADER)
    for row, text in enumerate(lines[1:], start=2):
        sheet.cell(row=row, column=1).font = Font(name=FONT, size=11)
        sheet.row_dimensions[row].height = LINE_HEIGHT * _lines(text, width)


def _day_off_text(day: date, reason: str, unit: str) -> str:
    where = f" ({unit})" if unit else ""
    return f"{day:%d/%m/%Y} {reason}{where}"


def _lines(text: object, width: float) -> int:
    """Return how many lines a wrapped cell needs at a column width."""
    if text is None or isinstance(text, date):
        return 1
    return max(
        1, *(math.ceil(len(p) * CHAR_FACTOR / max(width - 1, 1)) for p in str(text).split("\n"))
    )


def _band(sheet: Worksheet, row: int, text: str) -> None:
    sheet.cell(row=row, column=1, value=text)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMNS)
    for column in range(1, COLUMNS + 1):
        cell = sheet.cell(row=row, column=column)
        cell.fill, cell.border, cell.font = BAND, BORDER, Font(name=FONT, bold=True, size=11)


def _visit_rows(
    sheet: Worksheet, row: int, head: Sequence[str | None], items: Sequence[Row]
) -> int:
    """Write a visit (head cells merged down its instrument rows); return the next free row."""
    for offset, cells in enumerate(items):
        values = [*(head if offset == 0 else (None,) * len(head)), *cells]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row + offset, column=column, value=value)
            cell.alignment, cell.border, cell.font = WRAP, BORDER, Font(name=FONT, size=11)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
    if len(items) > 1:
        for column in range(1, len(head) + 1):
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row + len(items) - 1, end_column=column
            )
    return row + len(items)


def _widths(sheet: Worksheet) -> None:
    """Size each column to its content and header, within its limit (wider text wraps)."""
    for index, (vi, en, limit) in enumerate(HEADER, start=1):
        letter = get_column_letter(index)
        # The header's words stay whole on their two lines; dates need dd/mm/yyyy.
        longest = max(
            len(vi),
            len(en) + 2,
            *(
                10 if isinstance(c.value, date) else len(str(c.value))
                for c in sheet[letter][HEADER_ROW:]
                if c.value is not None
            ),
        )
        sheet.column_dimensions[letter].width = round(
            max(min(longest * CHAR_FACTOR + 2, limit), 7 if index == 5 else 12), 1
        )


def _heights(sheet: Worksheet) -> None:
    """Give each data row the lines its longest wrapped cell needs (merged cells aside: bands
    take one line, a visit's head spans its instrument rows)."""
    merged = {
        (r, c)
        for m in sheet.merged_cells.ranges
        for r in range(m.min_row, m.max_row + 1)
        for c in range(m.min_col, m.max_col + 1)
    }
    widths = [sheet.column_dimensions[get_column_letter(i)].width for i in range(1, COLUMNS + 1)]
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
        lines = [
            _lines(c.value, widths[c.column - 1])
            for c in row
            if c.column <= COLUMNS and (c.row, c.column) not in merged
        ]
        sheet.row_dimensions[row[0].row].height = LINE_HEIGHT * max(lines, default=1)


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "Trang &P / &N"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"


def round_xlsx(book: RoundBook) -> bytes:
    """Return the round as an XLSX working plan."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Kế hoạch kiểm định"
    _title(sheet, book)
    for column, (vi, en, _) in enumerate(HEADER, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=f"{vi}\n({en})")
        cell.font, cell.fill, cell.border = Font(name=FONT, bold=True, size=11), HEAD_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    sheet.row_dimensions[HEADER_ROW].height = 2 * LINE_HEIGHT + 4
    row = HEADER_ROW + 1
    for day, visits in book.days():
        _band(sheet, row, day_label(day))
        row += 1
        for visit in visits:
            site = book.site(visit.site_id)
            items = book.instruments(visit.site_id, visit.instrument_ids)
            head: tuple[str | None, ...] = (
                visit.inspector,
                _capital(site.commune),
                site.site_name,
                site.address or None,
            )
            rows = [_instrument_cells(i, n, first=book.first) for n, i in enumerate(items, 1)]
            row = _visit_rows(sheet, row, head, rows)
    if book.plan.unplanned:
        _band(sheet, row, "Chưa xếp được lịch trong đợt (Not planned in this window)")
        row += 1
        for site_id, ids in sorted(book.plan.unplanned.items()):
            site = book.site(site_id)
            items = book.instruments(site_id, ids)
            head = (None, _capital(site.commune), site.site_name, site.address or None)
            rows = [_instrument_cells(i, n, first=book.first) for n, i in enumerate(items, 1)]
            row = _visit_rows(sheet, row, head, rows)
    _widths(sheet)
    _heights(sheet)
    _print_setup(sheet)
    text_cells(workbook)  # no name or address from the registry may run as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
