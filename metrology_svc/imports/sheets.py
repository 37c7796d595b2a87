"""Which sheet of a workbook is the list, its merged cells, the fonts that mark legacy text.

Run inside the reader (imports.xlsx_worker, often a child process): the sheet chosen is the one
asked for (`--sheet NAME|N`, the `sheet` form field), else the first visible sheet whose first
rows hold a header with known columns. Vertically merged cells (one owner over five rows) are
filled from the range's first cell: openpyxl's read-only mode does not expose merged ranges, so
the <mergeCell> elements are read from the sheet's XML in one bounded streaming pass (counted
like the rows; at most `limits.merged_ranges` of them kept).
"""

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from openpyxl.utils.cell import range_boundaries

from metrology_svc.imports import limits as lim
from metrology_svc.imports.columns import known_count
from metrology_svc.imports.encodings import Converter, Legacy, font_kind
from metrology_svc.imports.limits import Limits

__all__ = ["HEADER_ROWS", "Converter", "SheetChoice", "choose", "fill_merged", "font_hints"]

HEADER_ROWS = 10  # as readers.HEADER_SCAN_ROWS: a title may sit above the header
_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref="([A-Za-z]+\d+:[A-Za-z]+\d+)"')
_TAIL = 256


class Part(Protocol):
    """A workbook part opened for reading (xlsx_worker._Counted)."""

    def read(self, size: int = -1) -> bytes: ...

    def close(self) -> None: ...


Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


class SheetChoice(Exception):
    """The sheet asked for is not in the workbook; args[0] is (English, Vietnamese)."""


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


def choose(
    names: Sequence[str],
    hidden: Sequence[str],
    wanted: str | None,
    first_rows: Callable[[int], list[tuple[Any, ...]]],
) -> int:
    """Return the index of the list's sheet (asked for by name or 1-based number, or found)."""
    if wanted not in (None, ""):
        assert wanted is not None
        text = wanted.strip()
        if text.isdigit() and 1 <= int(text) <= len(names):
            return int(text) - 1
        for index, name in enumerate(names):
            if _key(name) == _key(text):
                return index
        listed = ", ".join(f"{i}: {n}" for i, n in enumerate(names, start=1))
        raise SheetChoice(
            (
                f'the workbook has no sheet "{text[:80]}"; its sheets are {listed}',
                f'bảng tính không có trang "{text[:80]}"; các trang là {listed}',
            )
        )
    visible = [i for i, n in enumerate(names) if n not in hidden]
    for index in visible:
        if max((known_count(row) for row in first_rows(index)), default=0) >= 2:
            return index
    return visible[0] if visible else 0


def font_hints(book: Any) -> dict[int, tuple[Legacy | None, bool]]:
    """Return, by cell style, the legacy encoding its font stands for (TCVN3 .Vn*, VNI-*)."""
    fonts = [font_kind(getattr(f, "name", None)) for f in getattr(book, "_fonts", [])]
    hints: dict[int, tuple[Legacy | None, bool]] = {}
    for style_id, style in enumerate(getattr(book, "_cell_styles", [])):
        font_id = getattr(style, "fontId", 0)
        if 0 <= font_id < len(fonts) and fonts[font_id][0] is not None:
            hints[style_id] = fonts[font_id]
    return hints


def merged_ranges(part: Part, limits: Limits) -> list[Merge]:
    """Return a sheet's vertical merged ranges, read from its XML in bounded steps."""
    found: list[Merge] = []
    tail = b""
    total = 0
    try:
        while chunk := part.read(1 << 16):
            total += len(chunk)
            if total > limits.unpacked_bytes:  # the directory can lie
                raise lim.unpacked_too_big(limits)
            window = tail + chunk
            if b"mergeCell" not in window:  # most of a sheet: its rows
                tail = window[-_TAIL:]
                continue
            for match in _MERGE.finditer(window):
                if match.end() <= len(tail):
                    continue  # seen in the previous window
                left, top, right, bottom = range_boundaries(match[1].decode("ascii").upper())
                if bottom is not None and top is not None and bottom > top:
                    found.append((top, left or 1, bottom, right or 1))
                    if len(found) > limits.merged_ranges:
                        raise lim.too_many_merged(limits)
            tail = window[-_TAIL:]
    finally:
        part.close()
    return found


def fill_merged(rows: Iterator[tuple[Any, ...]], merged: list[Merge]) -> Iterator[tuple[Any, ...]]:
    """Yield rows with each vertically merged range's empty cells holding its first cell."""
    if not merged:
        yield from rows
        return
    starts: dict[int, list[tuple[int, int]]] = {}
    for top, left, bottom, _right in merged:
        starts.setdefault(top, []).append((left - 1, bottom))
    active: dict[int, tuple[int, Any]] = {}  # column index: (last row, value)
    for number, row in enumerate(rows, start=1):
        for column, bottom in starts.pop(number, ()):
            value = row[column] if column < len(row) else None
            if value is not None and value != "":
                active[column] = (bottom, value)
        if active:
            cells = list(row)
            for column, (bottom, value) in list(active.items()):
                if number > bottom:
                    del active[column]
                    continue
                if column >= len(cells):
                    cells.extend([None] * (column + 1 - len(cells)))
                if cells[column] is None or cells[column] == "":
                    cells[column] = value
            row = tuple(cells)
        yield row
