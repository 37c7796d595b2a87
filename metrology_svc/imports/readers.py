"""Read CSV, XLSX, XLS and ODS instrument lists into the same row dicts, streaming, with progress.

CSV in UTF-8, UTF-16 ("Unicode Text"), Windows-1258, TCVN3 or VNI bytes (imports.encodings);
workbooks through imports.xlsx_worker (openpyxl for XLSX, python-calamine for XLS and ODS), the
list's sheet chosen there (imports.sheets). TCVN3/VNI cells come out in Unicode, counted.

Both readers hold a bounded amount of the file at a time: rows, columns, cell length and line
length are checked as the rows arrive (imports.limits), and a list over a limit is refused
with 413 as soon as the limit is passed.
"""

import codecs
import csv
import itertools
import json
import pickle
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from queue import Full, Queue
from typing import IO, Any

from metrology_svc.core.cells import csv_read
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.imports import encodings, xlsx_worker
from metrology_svc.imports import limits as lim
from metrology_svc.imports.cells import Cell
from metrology_svc.imports.columns import HeaderMap, known_count, match_headers
from metrology_svc.imports.limits import Limits, TooBig

# (phase, done, total or None): the CLI turns it into a progress bar.
ProgressFn = Callable[[str, int, int | None], None]
HEADER_SCAN_ROWS = 10  # a title or a blank line may sit above the header row
XLSX_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
FORMAT_NAMES = {"xlsx": "XLSX", "xls": "XLS", "ods": "ODS"}
XLSX_QUEUE_BATCHES = 64  # of 500 rows: how far the child may read ahead
XLSX_PROCESS_FROM_BYTES = 1 << 20  # below ~1 MB a child process costs more than it saves


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: its number as the user sees it (Excel row / CSV record), cells by key."""

    row: int
    values: dict[str, Cell]


@dataclass
class Source:
    """What the file was: format, CSV encoding, sheet, hidden sheets, legacy cells converted.

    `converted`, `converted_from` and `notices` (an .xls whose fonts could not be read) are
    complete once the rows have all been read.
    """

    format: str = "csv"  # csv, xlsx, xls, ods
    encoding: str | None = None  # a CSV's: utf-8, utf-8 (BOM), utf-16, windows-1258, tcvn3, vni
    sheet: str | None = None
    hidden_sheets: list[str] = field(default_factory=list)
    converted: int = 0
    converted_from: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (English, Vietnamese)


@dataclass
class Table:
    """An opened list: its header and an iterator over its data rows."""

    header: HeaderMap
    rows: Iterator[RawRow]
    total: int | None  # rows expected (an estimate), for progress
    header_row: int = 1
    source: Source = field(default_factory=Source)
    # A CSV's path and limits: it can be read again from the start (imports.parse_worker).
    origin: tuple[Path, Limits] | None = None


def _not_a_list(detail: str, detail_vi: str) -> Invalid:
    return Invalid(
        f"The file is not a CSV, XLSX, XLS or ODS instrument list: {detail}.",
        message_vi=f"Tệp không phải danh sách CSV, XLSX, XLS hoặc ODS: {detail_vi}.",
        loc=["file"],
    )


def _find_header(head: list[tuple[int, Sequence[Any]]]) -> tuple[HeaderMap, int]:
    scored = [(known_count(cells), -number, cells) for number, cells in head]
    best = max(scored, key=lambda s: (s[0], s[1]), default=None)
    if best is None or best[0] < 2:
        raise _not_a_list("no header row with known columns", "không thấy dòng tiêu đề cột")
    return match_headers(best[2]), -best[1]


def _table(
    numbered: Iterator[tuple[int, Sequence[Any]]],
    total: int | None,
    text: Callable[[Any], Cell] = str,  # CSV cells are text already; XLSX cells need _cell
) -> Table:
    head = list(itertools.islice(numbered, HEADER_SCAN_ROWS))
    header, start = _find_header(head)
    rows = _rows(header, itertools.chain(head, numbered), start, text)
    expected = None if total is None else max(total - start, 0)
    return Table(header=header, rows=rows, total=expected, header_row=start)


def _rows(
    header: HeaderMap,
    numbered: Iterator[tuple[int, Sequence[Any]]],
    start: int,
    text: Callable[[Any], Cell],
) -> Iterator[RawRow]:
    positions = list(header.positions.items())
    for number, cells in numbered:
        if number <= start:
            continue
        width = len(cells)
        values = {k: text(cells[i]) for k, i in positions if i < width}
        if any(v != "" for v in values.values()):
            yield RawRow(number, values)


def _cell(cell: Any) -> Cell:
    # Number cells stay numbers: exact as Excel keeps them, never re-read as text ("0.5").
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell
    return str(cell)


def _count_lines(path: Path) -> int:
    with path.open("rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))


def _lines(handle: Any, limits: Limits) -> Iterator[str]:
    """Yield a text file's lines, refusing one longer than a row may be."""
    while line := handle.readline(limits.row_bytes + 1):
        if len(line) > limits.row_bytes:
            raise lim.row_too_long(limits)
        yield line


def checked_cells(cells: list[str], limits: Limits) -> list[str]:
    """Return a CSV record within the limits: no filled cell past the last column, none too long."""
    if len(cells) > limits.columns:
        if any(c for c in cells[limits.columns :]):
            raise lim.too_many_columns(limits)
        cells = cells[: limits.columns]
    if any(len(c) > limits.cell_chars for c in cells):
        raise lim.cell_too_long(limits)
    return cells


def csv_records(handle: Any, delimiter: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """Yield a CSV's numbered records within the limits; raise TooBig or csv.Error."""
    reader = csv.reader(_lines(handle, limits), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > limits.rows:
                raise lim.too_many_rows(limits)
            yield number, checked_cells(cells, limits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # longer than cell_chars anyway
            raise lim.cell_too_long(limits) from None
        raise


def read_csv(path: Path, limits: Limits = lim.INSTRUMENTS) -> Table:
    """Open a CSV (comma, semicolon or tab separated) in any encoding imports.encodings reads."""
    try:
        encoding = encodings.sniff(path)
    except encodings.UnknownEncoding:
        raise _not_a_list(encodings.HOW_TO_SAVE_EN, encodings.HOW_TO_SAVE_VI) from None
    converter = encodings.Converter(file_kind=encoding.legacy)
    source = Source(encoding=encoding.name)
    with path.open("rb") as raw:
        sample = raw.read(16 * 1024).decode(encoding.codec, errors="replace")
    # Excel saves with ";" where the decimal mark is ",": take the separator under which the
    # first lines hold the most known headers.
    lines = [converter.text(line) for line in sample.splitlines()[:HEADER_SCAN_ROWS]]
    delimiter = max(
        ("\t", ",", ";") if encoding is encodings.UTF16 else (",", ";", "\t"),
        key=lambda d: max((known_count(r) for r in csv.reader(lines, delimiter=d)), default=0),
    )
    converter = encodings.Converter(file_kind=encoding.legacy)  # the sample's cells not counted
    nfc = encoding is encodings.CP1258  # its tone marks come as combining characters

    def numbered() -> Iterator[tuple[int, Sequence[Any]]]:
        with path.open("r", encoding=encoding.codec, newline="") as handle:
            try:
                for number, cells in csv_records(handle, delimiter, limits):
                    if nfc:
                        cells = [unicodedata.normalize("NFC", c) for c in cells]
                    yield number, converter.row(cells)
            except UnicodeError:
                raise _not_a_list(encodings.HOW_TO_SAVE_EN, encodings.HOW_TO_SAVE_VI) from None
            except csv.Error as exc:
                raise _not_a_list(f"broken CSV ({exc})", f"CSV hỏng ({exc})") from None
            except TooBig as big:
                raise lim.payload_too_large(big) from None
            source.converted = converter.cells
            source.converted_from = sorted(converter.kinds)

    # The quote the exporter put before a formula character comes off (core.cells).
    table = _table(numbered(), _count_lines(path), csv_read)
    table.source, table.origin = source, (path, limits)
    return table


def _unreadable(exc: BaseException | str, fmt: str = "xlsx") -> Invalid:
    name = FORMAT_NAMES.get(fmt, "XLSX")
    return _not_a_list(
        f"unreadable {name} file, damaged or not a workbook ({str(exc)[:200]}); open it in "
        "Excel and save it again as .xlsx",
        f"không đọc được tệp {name}, tệp hỏng hoặc không phải bảng tính ({str(exc)[:200]}); "
        "hãy mở bằng Excel và lưu lại thành .xlsx",
    )


def _refusal(kind: str, value: Any, fmt: str = "xlsx") -> DomainError:
    """Return the error a worker's last message stands for: 413 over a limit, else 422."""
    if kind == "too_big":
        return lim.payload_too_large(TooBig(*value))
    if kind == "sheet_error":
        return Invalid(
            f"The sheet asked for is not in the file: {value[0]}.",
            message_vi=f"Không có trang bảng tính đã chọn: {value[1]}.",
            loc=["sheet"],
        )
    return _unreadable(value if kind == "error" else "the reader stopped early", fmt)


def put_unless_stopped(queue: "Queue[Any]", item: Any, stopped: threading.Event) -> bool:
    """Put an item on a bounded queue, waiting while it is full; give up (False) once stopped."""
    while not stopped.is_set():
        try:
            queue.put(item, timeout=0.1)
            return True
        except Full:
            continue
    return False


def drain(
    pipe: IO[bytes],
    queue: "Queue[tuple[str, Any]]",
    stopped: threading.Event,
    broken: tuple[str, Any],
    last: tuple[str, ...],
) -> None:
    """Move a child's pickled (kind, value) messages from its pipe to a bounded queue, until a
    message of a `last` kind (`broken`'s among them) or until stopped; a pipe that ends or
    breaks gives `broken`.

    Only for our own children's pipes: pickle must never read bytes from a user."""
    while not stopped.is_set():
        try:
            message = pickle.load(pipe)  # noqa: S301
        except (EOFError, OSError, ValueError, pickle.UnpicklingError, AttributeError):
            message = broken
        if not put_unless_stopped(queue, message, stopped) or message[0] in last:
            return


class _Child:
    """A child process reading a workbook, and a thread draining its pipe into a queue.

    The thread keeps the child from waiting on a full 64 KiB pipe while this process writes
    to the database; the bounded queue keeps it from reading the whole file ahead.
    """

    def __init__(self, path: Path, limits: Limits, choice: dict[str, Any] | None = None) -> None:
        bounds = json.dumps(limits.as_dict())
        command = [sys.executable, "-m", "metrology_svc.imports.xlsx_worker", str(path), bounds]
        if choice is not None:
            command.append(json.dumps(choice))
        # No shell; our interpreter, our module, the path as one argument.
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603
        self.queue: Queue[tuple[str, Any]] = Queue(maxsize=XLSX_QUEUE_BATCHES)
        self.stopped = threading.Event()
        threading.Thread(target=self._drain, name="xlsx-reader", daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        # Our own child's output (tuples of cell values), never bytes from the user.
        stopped = ("error", "the reader process stopped")
        drain(self.proc.stdout, self.queue, self.stopped, stopped, ("end", "error", "too_big"))

    def messages(self) -> Iterator[tuple[str, Any]]:
        """Yield the child's messages in order."""
        while True:
            yield self.queue.get()

    def stop(self) -> None:
        """End the child (if it still runs) and the draining thread."""
        self.stopped.set()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def read_xlsx(
    path: Path, limits: Limits = lim.INSTRUMENTS, *, sheet: str | None = None, fmt: str = "xlsx"
) -> Table:
    """Open the list's sheet of an XLSX, XLS or ODS workbook (streaming where the format can).

    The sheet is the one named or numbered (1 = first), else the first visible one with a
    header (imports.sheets). A large XLSX, and every XLS and ODS (read whole by calamine), is
    read by a child process (xlsx_worker, its memory capped) while this one checks and writes.
    """
    choice = {"format": fmt, "sheet": sheet}
    big = path.stat().st_size >= XLSX_PROCESS_FROM_BYTES
    child = _Child(path, limits, choice) if big or fmt != "xlsx" else None
    stream = child.messages() if child else xlsx_worker.guarded(str(path), limits, choice)
    source = Source(format=fmt)
    kind, value = next(stream)
    if kind == "sheet":
        source.sheet, source.hidden_sheets = value["name"], list(value["hidden"])
        kind, value = next(stream)
    if kind != "total":
        if child:
            child.stop()
        raise _refusal(kind, value, fmt)

    def numbered() -> Iterator[tuple[int, Sequence[Any]]]:
        number = 0
        try:
            while (message := next(stream))[0] == "rows":
                for cells in message[1]:
                    number += 1
                    yield number, cells
            if message[0] != "end":
                raise _refusal(*message, fmt)
            if message[1]:
                source.converted = message[1]["converted"]
                source.converted_from = list(message[1]["kinds"])
                source.notices = [(en, vi) for en, vi in message[1].get("notices", ())]
        finally:
            if child:
                child.stop()

    table = _table(numbered(), value, _cell)
    table.source = source
    return table


def open_table(path: Path, limits: Limits = lim.INSTRUMENTS, *, sheet: str | None = None) -> Table:
    """Open a CSV, XLSX, XLS or ODS list, told apart by content; anything else is Invalid (or 413).

    `sheet` (a workbook's sheet by name or 1-based number) is refused for a CSV.
    """
    with path.open("rb") as raw:
        head = raw.read(4096)
    if head.startswith(XLSX_MAGIC):
        fmt = "ods" if ODS_MIMETYPE in head[:256] else "xlsx"
        return read_xlsx(path, limits, sheet=sheet, fmt=fmt)
    if head.startswith(OLE_MAGIC):
        return read_xlsx(path, limits, sheet=sheet, fmt="xls")
    if sheet not in (None, ""):
        raise Invalid(
            "A CSV file has no sheets: leave the sheet out.",
            message_vi="Tệp CSV không có trang bảng tính: hãy bỏ trống trang.",
            loc=["sheet"],
        )
    if b"\0" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _not_a_list("binary content", "nội dung nhị phân")
    return read_csv(path, limits)


def _utf8_prefix(head: bytes) -> bool:
    # The 4 KiB cut may split a multi-byte character: an incomplete tail is fine.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True
