"""Read an XLSX sheet's rows within limits, in a child process, and send them down a pipe.

`python -m metrology_svc.imports.xlsx_worker FILE LIMITS_JSON` writes ("total", n), then
("rows", batch) messages, then ("end", None), or ("error", text) for a broken file, or
("too_big", (english, vietnamese)) for one over a limit, pickled, to stdout. openpyxl's XML
parsing is most of an XLSX import's time; in its own process it overlaps the parent's checking
and writing. The module imports only openpyxl and the limits, so the child starts in a
fraction of a second. An .xls or .ods list is read by python-calamine, an .xls's cell fonts
(.VnTime, VNI-Times) by xlrd: both imported only for those formats.

A workbook is a zip: before openpyxl opens it, the zip's directory is checked (files, unpacked
sizes); while the sheet is read, its unpacked bytes and the XML of each row are counted (the
directory can lie), the width read is clamped, and each row and cell is checked.
"""

import json
import os
import pickle
import re
import resource
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any, BinaryIO

import openpyxl
from openpyxl.utils.cell import range_boundaries

from metrology_svc.imports import limits as lim
from metrology_svc.imports.limits import Limits, TooBig

if TYPE_CHECKING:  # the child imports encodings only when a list's text is converted
    from metrology_svc.imports.encodings import Legacy

BATCH = 500
BATCH_CHARS = 1 << 20  # a batch of long cells is sent early: the pipe's queue stays small
ADDRESS_SPACE = 2 << 30  # the child's backstop, far above what the limits let it use
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_TAIL = 64  # bytes kept from the previous read, so a row start split across reads is seen


def check_archive(path: str, limits: Limits) -> None:
    """Refuse a workbook whose zip directory declares too many files or too many bytes."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    if len(infos) > limits.entries:
        raise lim.too_many_entries(limits)
    if sum(i.file_size for i in infos) > limits.unpacked_bytes:
        raise lim.unpacked_too_big(limits)
    for info in infos:
        name = info.filename
        read_whole = name.endswith((".xml", ".rels")) and not name.startswith("xl/worksheets/")
        if read_whole and info.file_size > limits.part_bytes:
            raise lim.part_too_big(limits, name)


class _Counted:
    """A sheet's unpacked XML as openpyxl reads it, refused past the byte and row limits."""

    def __init__(self, raw: IO[bytes], limits: Limits) -> None:
        self.raw, self.limits = raw, limits
        self.total = self.since_row = 0
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes (all, in bounded steps, when size < 0)."""
        if size is not None and size >= 0:
            return self._step(size)
        parts = []
        while chunk := self._step(1 << 16):
            parts.append(chunk)
        return b"".join(parts)

    def _step(self, size: int) -> bytes:
        data = self.raw.read(size)
        self.total += len(data)
        if self.total > self.limits.unpacked_bytes:
            raise lim.unpacked_too_big(self.limits)
        window = self.tail + data
        last = -1
        for found in _ROW_START.finditer(window):
            last = found.start()
        self.since_row = len(window) - last if last >= 0 else self.since_row + len(data)
        if self.since_row > self.limits.row_bytes:
            raise lim.row_too_long(self.limits)
        self.tail = window[-_TAIL:]
        return data

    def close(self) -> None:
        """Close the part."""
        self.raw.close()

    def __enter__(self) -> "_Counted":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _CountedArchive:
    """The workbook's zip as a read-only sheet opens it: every part it opens is counted."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive, self.limits = archive, limits

    def open(self, name: str, mode: str = "r") -> _Counted:
        """Open a part for reading, counted."""
        return _Counted(self.archive.open(name, "r"), self.limits)

    def close(self) -> None:
        """Close the zip."""
        self.archive.close()


def _checked(row: tuple[Any, ...], limits: Limits) -> tuple[Any, ...]:
    """Return a row without its trailing empty cells, refused if too wide or a cell too long."""
    if any(v is not None for v in row[limits.columns :]):
        raise lim.too_many_columns(limits)
    end = len(row) if len(row) <= limits.columns else limits.columns
    while end and row[end - 1] is None:
        end -= 1
    for value in row[:end]:
        if isinstance(value, str) and len(value) > limits.cell_chars:
            raise lim.cell_too_long(limits)
    return row[:end]


def _batches(rows: Iterator[tuple[Any, ...]], limits: Limits) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    chars = 0
    for count, raw in enumerate(rows, start=1):
        if count > limits.rows:
            raise lim.too_many_rows(limits)
        row = _checked(raw, limits)
        batch.append(row)
        chars += sum(len(v) for v in row if isinstance(v, str))
        if len(batch) >= BATCH or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def messages(
    path: str, limits: Limits = lim.INSTRUMENTS, choice: dict[str, Any] | None = None
) -> Iterator[tuple[str, Any]]:
    """Yield the total, the rows in batches, then the end of the first sheet of a workbook.

    With `choice` (an instrument list: {"format": "xlsx"|"xls"|"ods", "sheet": name, number or
    None}) the sheet is chosen (imports.sheets), its merged cells filled from the range's first
    cell and its TCVN3/VNI text converted: ("sheet", info) comes first and ("end", counts) last.
    """
    if choice is not None and choice.get("format") in ("xls", "ods"):
        yield from _calamine_messages(path, limits, choice)
        return
    check_archive(path, limits)
    # A file object, not the path: openpyxl refuses names without an .xlsx suffix (uploads).
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        # openpyxl keeps the zip here and opens the sheet from it when the rows are read.
        archive = book._archive
        book._archive = _CountedArchive(book._archive, limits)
        try:
            if choice is None:
                sheet = book.worksheets[0]
                converter = None
            else:
                from metrology_svc.imports import sheets

                names = [ws.title for ws in book.worksheets]
                hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
                hints = sheets.font_hints(book)
                converter = sheets.Converter()
                index = sheets.choose(
                    names,
                    hidden,
                    choice.get("sheet"),
                    lambda i: _first_rows(book.worksheets[i], limits, converter, hints),
                )
                sheet = book.worksheets[index]
                yield ("sheet", {"name": names[index], "hidden": hidden})
            columns, declared = _declared(sheet)
            yield ("total", None if declared is None else min(declared, limits.rows + 1))
            # Clamped: a sheet claiming A1:XFD1048576 would otherwise make each empty row
            # 16,384 cells wide, and a million of them. One column more than allowed is read,
            # to tell a row that fills it.
            width = limits.columns + 1 if columns is None else min(columns, limits.columns + 1)
            if converter is None:
                rows = sheet.iter_rows(max_col=width, max_row=limits.rows + 1, values_only=True)
                for batch in _batches(rows, limits):
                    yield ("rows", batch)
            else:
                merged = sheets.merged_ranges(archive.open(sheet._worksheet_path), limits)
                rows = _list_rows(sheet, width, limits, converter, hints)
                for batch in _batches(sheets.fill_merged(rows, merged), limits):
                    yield ("rows", batch)
        finally:
            book.close()
    if converter is None:
        yield ("end", None)
    else:
        yield ("end", {"converted": converter.cells, "kinds": sorted(converter.kinds)})


def _list_rows(
    sheet: Any, width: int, limits: Limits, converter: Any, hints: dict[int, Any]
) -> Iterator[tuple[Any, ...]]:
    """Yield a sheet's rows as values, legacy text converted (by the cell's font if it says)."""
    if not hints:  # no TCVN3/VNI font in the workbook: values only, the fast way
        for values in sheet.iter_rows(max_col=width, max_row=limits.rows + 1, values_only=True):
            yield tuple(converter.row(values))
        return
    for cells in sheet.iter_rows(max_col=width, max_row=limits.rows + 1):
        yield tuple(
            converter.text(c.value, hints.get(getattr(c, "_style_id", 0), (None, False)))
            if isinstance(c.value, str)
            else c.value
            for c in cells
        )


def _first_rows(
    sheet: Any, limits: Limits, converter: Any, hints: dict[int, Any]
) -> list[tuple[Any, ...]]:
    from metrology_svc.imports.sheets import HEADER_ROWS, Converter

    scratch = Converter()  # the counts are the chosen sheet's, read again from its start
    rows = _list_rows(sheet, limits.columns + 1, limits, scratch, hints)
    return [row for _n, row in zip(range(HEADER_ROWS), rows, strict=False)]


def _calamine_messages(
    path: str, limits: Limits, choice: dict[str, Any]
) -> Iterator[tuple[str, Any]]:
    """The messages of an .xls or .ods list (python-calamine; an .xls's fonts through xlrd).

    calamine yields a sheet's rows from row 1 but its columns from the first used one: each row
    is padded back to column A, so merged ranges and fonts (both by position) line up.
    """
    import python_calamine

    from metrology_svc.imports import sheets

    if choice["format"] == "ods":
        check_archive(path, replace(limits, part_bytes=limits.unpacked_bytes))
    book = python_calamine.CalamineWorkbook.from_path(path)
    fonts = XlsFonts(path, limits) if choice["format"] == "xls" else None
    try:
        meta = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        names = [m.name for m in meta]
        hidden = [m.name for m in meta if m.visible != python_calamine.SheetVisibleEnum.Visible]
        converter = sheets.Converter()

        def rows_of(sheet: Any, name: str, converter: Any) -> Iterator[tuple[Any, ...]]:
            pad = (None,) * min(sheet.start[1] if sheet.start else 0, limits.columns + 1)
            hint = fonts.sheet(name, sheet.height) if fonts else _no_font
            for number, raw in enumerate(sheet.iter_rows()):
                cells = pad + tuple(None if v == "" else v for v in raw)
                yield tuple(
                    converter.text(v, hint(number, c)) if isinstance(v, str) else v
                    for c, v in enumerate(cells[: limits.columns + 1])
                )

        def first(index: int) -> list[tuple[Any, ...]]:
            sheet = book.get_sheet_by_name(names[index])
            rows = rows_of(sheet, names[index], sheets.Converter())  # not counted: read again
            return [r for _n, r in zip(range(sheets.HEADER_ROWS), rows, strict=False)]

        index = sheets.choose(names, hidden, choice.get("sheet"), first)
        sheet = book.get_sheet_by_name(names[index])
        yield ("sheet", {"name": names[index], "hidden": hidden})
        if sheet.height > limits.rows + 1:
            raise lim.too_many_rows(limits)
        yield ("total", sheet.height)
        merged = [
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])
        ][: limits.merged_ranges]
        rows = rows_of(sheet, names[index], converter)
        for batch in _batches(sheets.fill_merged(rows, merged), limits):
            yield ("rows", batch)
    finally:
        book.close()
        if fonts:
            fonts.close()
    notices = [fonts.notice()] if fonts and fonts.failure else []
    yield (
        "end",
        {"converted": converter.cells, "kinds": sorted(converter.kinds), "notices": notices},
    )


Hint = tuple["Legacy | None", bool]  # encodings.font_kind: the legacy encoding, a capitals font
_NO_HINT: Hint = (None, False)


def _no_font(row: int, column: int) -> Hint:
    return _NO_HINT


class XlsFonts:
    """Which cells of an .xls are in a TCVN3 (.Vn*) or VNI (VNI-*) font: read by xlrd.

    calamine reads the values (dates, formulas' results, merged cells, hidden sheets: one reader
    for .xls and .ods); xlrd only tells each cell's font, through its style (XF) record. The
    workbook's styles are read first: without a legacy font among them (most files) no sheet is
    parsed a second time. A sheet is parsed only when it fits the row limit, one at a time.
    A file xlrd cannot read is still imported: `failure` is set, its text is converted by the
    characters alone, and the report says so (`notice`).
    """

    def __init__(self, path: str, limits: Limits) -> None:
        from metrology_svc.imports.encodings import font_kind

        self.limits = limits
        self.book: Any = None
        self.failure: str | None = None
        self.legacy: dict[int, Hint] = {}
        self.loaded: tuple[str, Any] | None = None
        # xlrd writes its warnings to stdout by default: here that is the pipe of messages.
        self.log = open(os.devnull, "w")  # noqa: SIM115  # closed by close()
        try:
            import xlrd

            book = xlrd.open_workbook(
                path, formatting_info=True, on_demand=True, ragged_rows=True, logfile=self.log
            )
            kinds = [font_kind(font.name) for font in book.font_list]
            for number, xf in enumerate(book.xf_list):
                if 0 <= xf.font_index < len(kinds) and kinds[xf.font_index][0] is not None:
                    self.legacy[number] = kinds[xf.font_index]
            if self.legacy:
                self.book = book
            else:
                book.release_resources()
        except Exception as exc:  # xlrd raises many kinds on what calamine reads well
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.failure = f"{type(exc).__name__}: {exc}"[:200]
        self.legacy = {}
        self.close()

    def sheet(self, name: str, height: int) -> Callable[[int, int], Hint]:
        """Return the font hint of a sheet's cell by its 0-based row and column."""
        if self.book is None or height > self.limits.rows + 1:
            return _no_font
        if self.loaded is None or self.loaded[0] != name:
            if self.loaded is not None:
                self.book.unload_sheet(self.loaded[0])
                self.loaded = None
            try:
                self.loaded = (name, self.book.sheet_by_name(name))
            except Exception as exc:  # the styles read, the sheet's records broken
                self._failed(exc)
                return _no_font
        found, legacy = self.loaded[1], self.legacy

        def hint(row: int, column: int) -> Hint:
            if row >= found.nrows or column >= found.row_len(row):
                return _NO_HINT
            return legacy.get(found.cell_xf_index(row, column), _NO_HINT)

        return hint

    def notice(self) -> tuple[str, str]:
        """Return the report's notice for a file whose fonts could not be read (en, vi)."""
        return (
            f"The fonts of this XLS file could not be read ({self.failure}): text typed in "
            "old TCVN3 or VNI fonts was recognised by its characters alone; check the names",
            f"Không đọc được phông chữ của tệp XLS này ({self.failure}): chữ gõ bằng phông cũ "
            "TCVN3 hoặc VNI chỉ được nhận ra theo ký tự; hãy kiểm tra lại các tên",
        )

    def close(self) -> None:
        """Release the workbook and the warnings' sink."""
        if self.book is not None:
            self.book.release_resources()
            self.book = None
        self.loaded = None
        self.log.close()


def _declared(sheet: Any) -> tuple[int | None, int | None]:
    """Return the columns and rows the sheet's <dimension> claims (Excel always writes one)."""
    # Without it openpyxl's max_row would parse the whole sheet once more just to count, so
    # the progress total stays unknown.
    try:
        _first_col, _first_row, columns, rows = range_boundaries(sheet.calculate_dimension())
        return int(columns), int(rows)
    except (ValueError, TypeError):
        return None, None


def guarded(
    path: str, limits: Limits, choice: dict[str, Any] | None = None
) -> Iterator[tuple[str, Any]]:
    """Yield the messages of a workbook; a refusal or a failure becomes the last message."""
    try:
        yield from messages(path, limits, choice)
    except TooBig as big:
        yield ("too_big", (big.en, big.vi))
    except MemoryError:
        yield ("too_big", ("it needs too much memory", "cần quá nhiều bộ nhớ"))
    except Exception as exc:  # openpyxl, calamine, zipfile raise many kinds on a broken file
        if type(exc).__name__ == "SheetChoice":
            yield ("sheet_error", exc.args[0])
        else:
            yield ("error", f"{type(exc).__name__}: {exc}")


def send(
    path: str, out: BinaryIO, limits: Limits = lim.INSTRUMENTS, choice: dict[str, Any] | None = None
) -> None:
    """Write every message for the workbook to a binary stream."""
    for message in guarded(path, limits, choice):
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def main(argv: list[str]) -> None:
    """Run as the child: read the workbook named on the command line within its limits."""
    given = json.loads(argv[2]) if len(argv) > 2 else {}
    limits = Limits(**given) if given else lim.INSTRUMENTS
    # A backstop only: the limits keep the child far below it.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    choice = json.loads(argv[3]) if len(argv) > 3 else None
    send(argv[1], sys.stdout.buffer, limits, choice)


if __name__ == "__main__":
    main(sys.argv)
