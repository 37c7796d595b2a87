"""Read an XLSX sheet's rows within limits, in a child process, and send them down a pipe.

`python -m metrology_svc.imports.xlsx_worker FILE LIMITS_JSON` writes ("total", n), then
("rows", batch) messages, then ("end", None), or ("error", text) for a broken file, or
("too_big", (english, vietnamese)) for one over a limit, pickled, to stdout. openpyxl's XML
parsing is most of an XLSX import's time; in its own process it overlaps the parent's checking
and writing. The module imports only openpyxl and the limits, so the child starts in a
fraction of a second.

A workbook is a zip: before openpyxl opens it, the zip's directory is checked (files, unpacked
sizes); while the sheet is read, its unpacked bytes and the XML of each row are counted (the
directory can lie), the width read is clamped, and each row and cell is checked.
"""

import json
import pickle
import re
import resource
import sys
import zipfile
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

import openpyxl
from openpyxl.utils.cell import range_boundaries

from metrology_svc.imports import limits as lim
from metrology_svc.imports.limits import Limits, TooBig

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


def messages(path: str, limits: Limits = lim.INSTRUMENTS) -> Iterator[tuple[str, Any]]:
    """Yield the total, the rows in batches, then the end of the first sheet of a workbook."""
    check_archive(path, limits)
    # A file object, not the path: openpyxl refuses names without an .xlsx suffix (uploads).
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        # openpyxl keeps the zip here and opens the sheet from it when the rows are read.
        book._archive = _CountedArchive(book._archive, limits)
        try:
            sheet = book.worksheets[0]
            columns, declared = _declared(sheet)
            yield ("total", None if declared is None else min(declared, limits.rows + 1))
            # Clamped: a sheet claiming A1:XFD1048576 would otherwise make each empty row
            # 16,384 cells wide, and a million of them. One column more than allowed is read,
            # to tell a row that fills it.
            width = limits.columns + 1 if columns is None else min(columns, limits.columns + 1)
            rows = sheet.iter_rows(max_col=width, max_row=limits.rows + 1, values_only=True)
            for batch in _batches(rows, limits):
                yield ("rows", batch)
        finally:
            book.close()
    yield ("end", None)


def _declared(sheet: Any) -> tuple[int | None, int | None]:
    """Return the columns and rows the sheet's <dimension> claims (Excel always writes one)."""
    # Without it openpyxl's max_row would parse the whole sheet once more just to count, so
    # the progress total stays unknown.
    try:
        _first_col, _first_row, columns, rows = range_boundaries(sheet.calculate_dimension())
        return int(columns), int(rows)
    except (ValueError, TypeError):
        return None, None


def guarded(path: str, limits: Limits) -> Iterator[tuple[str, Any]]:
    """Yield the messages of a workbook; a refusal or a failure becomes the last message."""
    try:
        yield from messages(path, limits)
    except TooBig as big:
        yield ("too_big", (big.en, big.vi))
    except MemoryError:
        yield ("too_big", ("it needs too much memory", "cần quá nhiều bộ nhớ"))
    except Exception as exc:  # openpyxl and zipfile raise many kinds on a broken workbook
        yield ("error", f"{type(exc).__name__}: {exc}")


def send(path: str, out: BinaryIO, limits: Limits = lim.INSTRUMENTS) -> None:
    """Write every message for the workbook to a binary stream."""
    for message in guarded(path, limits):
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
    send(argv[1], sys.stdout.buffer, limits)


if __name__ == "__main__":
    main(sys.argv)
