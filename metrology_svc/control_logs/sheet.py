"""Read a control-scale log spreadsheet (CSV or XLSX) into lines, or each cell's reason to refuse.

The instrument import's pieces are reused: its file sniffing (XLSX / old XLS / binary / UTF-8),
its streaming openpyxl reader (read-only), its cell readers (dates, numbers the Vietnamese or
English way, units in the header or the cell) and its row errors. The columns are the log's:
date, time, control scale (serial; may be left out when the market has one), stall or seller,
goods, mass the seller said, mass on the control scale, note.
"""

import csv
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import Convention, G, QuantityError, Unit, parse_quantity
from metrology_svc.imports import limits as lim
from metrology_svc.imports import xlsx_worker
from metrology_svc.imports.cells import Bad, Cell, as_text, norm, parse_date
from metrology_svc.imports.numbers import quantity
from metrology_svc.imports.readers import OLE_MAGIC, XLSX_MAGIC, _utf8_prefix, csv_records
from metrology_svc.imports.rules import RowError

MAX_BYTES = 2 * 1024 * 1024  # a market's log for years fits in far less
MAX_ROWS = 5000  # rows with content; the file's rows, empty ones too: lim.CONTROL_LOG
LIMITS = lim.CONTROL_LOG
HEADER_SCAN_ROWS = 10
VIETNAM = timezone(timedelta(hours=7), "ICT")
TIME = re.compile(r"(\d{1,2})[:hH.](\d{2})(?::(\d{2}))?$")

# Column key -> (Vietnamese header, English header, the words a header may start with).
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "date": ("Ngày", "Date", ("ngày", "date")),
    "time": ("Giờ", "Time", ("giờ", "thời gian", "time")),
    "scale": ("Cân đối chứng", "Control scale", ("cân đối chứng", "số cân", "control scale")),
    "seller": (
        "Quầy / người bán",
        "Stall / seller",
        ("quầy", "sạp", "người bán", "stall", "seller"),
    ),
    "goods": ("Hàng hóa", "Goods", ("hàng", "mặt hàng", "goods")),
    "declared": ("Khối lượng bán", "Declared mass", ("khối lượng bán", "kl bán", "declared")),
    "measured": (
        "Khối lượng cân lại",
        "Re-weighed mass",
        ("khối lượng cân lại", "kl cân lại", "measured", "re-weighed"),
    ),
    "note": ("Ghi chú", "Note", ("ghi chú", "note")),
}
REQUIRED = ("date", "time", "seller", "declared", "measured")
_WITH_UNIT = re.compile(r"(?P<stem>.+?) ?[(\[] ?(?P<unit>[^()\[\]]+?) ?[)\]]$")


@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column sits, the header as written, and a mass column's unit."""

    positions: dict[str, int]
    labels: dict[str, str]
    units: dict[str, Unit | None]
    row: int


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its number as the user sees it and its cells by column key."""

    row: int
    cells: dict[str, Cell]


def _not_a_log(en: str, vi: str) -> Invalid:
    return Invalid(
        f"The file is not a control-scale log (CSV or XLSX): {en}.",
        message_vi=f"Tệp không phải sổ cân đối chứng (CSV hoặc XLSX): {vi}.",
        loc=["file"],
    )


def _unit(text: str) -> Unit | None:
    try:
        return parse_quantity(f"1 {text}").unit
    except QuantityError:
        return None


def _key(text: str) -> tuple[str, Unit | None] | None:
    name = norm(text)
    unit = None
    found = _WITH_UNIT.fullmatch(name)
    if found:
        name, unit = found["stem"], _unit(found["unit"])
    for key, (_, _, stems) in COLUMNS.items():
        if any(name.startswith(stem) for stem in stems):
            return key, unit
    return None


def match_header(cells: Sequence[Any], row: int) -> Header | None:
    """Return the header a row writes, if it names at least the required columns."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    units: dict[str, Unit | None] = {}
    for i, cell in enumerate(cells):
        found = _key(as_text(cell)) if isinstance(cell, str) and cell.strip() else None
        if found is None or found[0] in positions:
            continue
        key, unit = found
        positions[key], labels[key], units[key] = i, cell.strip(), unit
    if not all(k in positions for k in REQUIRED):
        return None
    return Header(positions, labels, units, row)


def _cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _csv_rows(path: Path) -> Iterator[Sequence[Any]]:
    with path.open("rb") as raw:
        sample = raw.read(16 * 1024).decode("utf-8-sig", errors="replace")
    lines = sample.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max(
        (",", ";", "\t"),
        key=lambda d: max(
            (sum(1 for c in r if _key(c)) for r in csv.reader(lines, delimiter=d)), default=0
        ),
    )
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        try:
            for _number, cells in csv_records(handle, delimiter, LIMITS):
                yield cells
        except UnicodeDecodeError:
            raise _not_a_log("not UTF-8 text", "văn bản không mã hoá UTF-8") from None
        except csv.Error as exc:
            raise _not_a_log(f"broken CSV ({exc})", f"CSV hỏng ({exc})") from None
        except lim.TooBig as big:
            raise lim.payload_too_large(big) from None


def _xlsx_rows(path: Path) -> Iterator[Sequence[Any]]:
    # In this process: the file is at most MAX_BYTES, and the limits bound what it unpacks to.
    for kind, value in xlsx_worker.guarded(str(path), LIMITS):
        if kind == "rows":
            yield from value
        elif kind == "too_big":
            raise lim.payload_too_large(lim.TooBig(*value))
        elif kind == "error":
            raise _not_a_log(f"unreadable XLSX ({value.split(':')[0]})", "không đọc được XLSX")


def read_rows(path: Path) -> tuple[Header, list[SheetRow]]:
    """Open a log file (bounded in bytes and rows); return its header and its data rows."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise lim.payload_too_large(
            lim.TooBig(f"larger than {MAX_BYTES} bytes", f"lớn hơn {MAX_BYTES} byte")
        )
    with path.open("rb") as raw:
        head = raw.read(4096)
    if head.startswith(OLE_MAGIC):
        raise _not_a_log("old .xls format, save as .xlsx", "định dạng .xls cũ, hãy lưu thành .xlsx")
    if head.startswith(XLSX_MAGIC):
        numbered = enumerate(_xlsx_rows(path), start=1)
    elif b"\0" in head or not _utf8_prefix(head):
        raise _not_a_log("not UTF-8 text", "văn bản không mã hoá UTF-8")
    else:
        numbered = enumerate(_csv_rows(path), start=1)
    header = None
    for number, cells in itertools.islice(numbered, HEADER_SCAN_ROWS):
        header = match_header(cells, number)
        if header is not None:
            break
    if header is None:
        names = ", ".join(f"{COLUMNS[k][0]} / {COLUMNS[k][1]}" for k in REQUIRED)
        raise _not_a_log(f"no header row naming {names}", f"không thấy dòng tiêu đề ({names})")
    rows: list[SheetRow] = []
    for number, cells in numbered:
        values = {k: _cell(cells[i]) for k, i in header.positions.items() if i < len(cells)}
        if not any(v != "" for v in values.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise lim.payload_too_large(
                lim.TooBig(
                    f"more than {MAX_ROWS} rows: split the file",
                    f"hơn {MAX_ROWS} dòng: hãy chia nhỏ tệp",
                )
            )
        rows.append(SheetRow(number, values))
    return header, rows


def read_time(cell: Cell) -> time:
    """Read a time of day: 7:30, 07h30, 7.30, 07:30:15, or a workbook's time or fraction."""
    if isinstance(cell, float | int) and 0 <= cell < 1:
        seconds = round(float(cell) * 86400)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    text = as_text(cell)
    found = TIME.match(text.split(" ")[-1]) if text else None
    if found:
        try:
            return time(int(found[1]), int(found[2]), int(found[3] or 0))
        except ValueError:
            pass
    raise Bad("Giờ không hợp lệ (hh:mm)", "Invalid time (hh:mm)")


def read_moment(day: Cell, at: Cell) -> datetime:
    """Return the date and time of a row on Vietnam's clock, as an aware moment."""
    text = as_text(day)
    whole = re.match(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)", text)
    found = parse_date(whole[1] if whole else text)
    clock = read_time(at if as_text(at) else (whole[2] if whole else ""))
    return datetime.combine(found, clock, tzinfo=VIETNAM)


def mass_parser(header: Header, key: str, convention: Convention) -> Any:
    """Return the instrument import's quantity parser for a mass column (grams out)."""
    return quantity(stored=G, written=header.units.get(key), convention=convention)


def cell_error(row: int, header: Header, key: str, value: Cell, bad: Bad) -> RowError:
    """Return a row error on one cell, named by the column as the file writes it."""
    label = header.labels.get(key) or COLUMNS[key][0]
    return RowError(
        row=row, column=label, reason_vi=bad.vi, reason_en=bad.en, value=as_text(value)[:100]
    )


def as_decimal(value: float) -> Decimal:
    """Return a parsed mass exactly as the parser read it."""
    return Decimal(repr(value))
