"""Spreadsheet cells that cannot run: every exported cell is a value, never a formula.

A spreadsheet program runs a cell that starts with = + - @ (and, after a tab or a carriage
return, whatever follows) as a formula: `=HYPERLINK(...)`, DDE `=cmd|' /C calc'!A0`. Every
CSV and XLSX the service writes goes through this module (OWASP, "CSV Injection"):

- XLSX: text cells are written with the string type ("s"), so Excel shows the text and never
  evaluates it; nothing is added to the text.
- CSV: a cell starting with one of those characters (or with quotes and then one of them) gets
  a single quote in front; the csv module then quotes the cell where needed. The instrument
  importer takes exactly that quote off again (`csv_read`), so an export read back is the
  registry unchanged.
"""

from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def runs(text: str) -> bool:
    """Tell whether a spreadsheet would read this text as the start of a formula."""
    return text.startswith(FORMULA_START)


def _guarded(text: str) -> bool:
    # Quotes, then a formula character: "=1", and also "'=1", so that reading back, which
    # takes one quote off, gives "'=1" again (an exact round trip for any text).
    return runs(text.lstrip(QUOTE))


def csv_cell(value: Any) -> str:
    """Return a value as CSV cell text, a quote in front where it would start a formula."""
    text = "" if value is None else str(value)
    return QUOTE + text if _guarded(text) else text


def csv_row(values: Iterable[Any]) -> list[str]:
    """Return a row of values as safe CSV cell texts."""
    return [csv_cell(v) for v in values]


def csv_read(text: str) -> str:
    """Undo `csv_cell`: take off the one quote it put in front, and nothing else."""
    if text.startswith(QUOTE) and _guarded(text[1:]):
        return text[1:]
    return text


def as_text(cell: Cell) -> Cell:
    """Make a cell holding text a string cell (openpyxl makes "=..." a formula); return it."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Return a row for a write-only sheet's append: text as string cells, other values as is.

    `sheet` is a write-only worksheet (openpyxl names its class only in a private module)."""
    return [as_text(WriteOnlyCell(sheet, value=v)) if isinstance(v, str) else v for v in values]


def text_cells(book: Workbook) -> None:
    """Make every text cell of a finished workbook a string cell; call it before saving."""
    for sheet in book.worksheets:
        if isinstance(sheet, Worksheet):
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell, Cell):
                        as_text(cell)
