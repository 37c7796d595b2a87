"""How big an uploaded spreadsheet may be once opened, and the refusals when it is bigger.

The upload limit bounds only the bytes sent; a 1 MB XLSX can unpack to gigabytes (one huge
cell, or a million rows as wide as the sheet claims). These limits bound what reading a list
may hold: rows, columns, one cell, the unpacked XLSX parts (from the zip's directory before
anything is parsed, and counted again while reading, since the directory can lie) and the XML
of one row. Over a limit: 413; a file that is not what it says: 422.
"""

from dataclasses import asdict, dataclass

from metrology_svc.core.errors import PayloadTooLarge

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one kind of list (JSON-able: the XLSX worker process gets them as text)."""

    rows: int  # every row of the sheet or line of the file, empty ones included
    columns: int = 100
    cell_chars: int = 32_767  # Excel's own limit for a cell
    unpacked_bytes: int = 512 * MIB  # all XLSX parts, unpacked (the sheet is streamed)
    part_bytes: int = 32 * MIB  # any part read whole (shared strings, styles, workbook)
    row_bytes: int = 8 * MIB  # the XML of one row, or a CSV line
    entries: int = 1000  # files inside the XLSX zip
    merged_ranges: int = 100_000  # vertically merged ranges of the list's sheet, kept to fill

    def as_dict(self) -> dict[str, int]:
        """Return the limits as a plain dict."""
        return asdict(self)


# 100,000 instruments is the size the import is built for (bench/import.py); twice that fits.
INSTRUMENTS = Limits(rows=200_000)
# A market's log for years is a few thousand lines (control_logs.sheet.MAX_ROWS).
CONTROL_LOG = Limits(rows=10_000, unpacked_bytes=64 * MIB, part_bytes=16 * MIB)


def _size(count: int) -> str:
    return f"{count // MIB} MiB" if count % MIB == 0 else f"{count} bytes"


def _size_vi(count: int) -> str:
    return f"{count // MIB} MiB" if count % MIB == 0 else f"{count} byte"


class TooBig(Exception):
    """A limit was passed while reading; carries the reason in English and Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en, self.vi = en, vi


def too_many_rows(limits: Limits) -> TooBig:
    """Return the refusal of a sheet with more rows than allowed."""
    return TooBig(
        f"more than {limits.rows} rows (empty rows count too): split the list",
        f"hơn {limits.rows} dòng (kể cả dòng trống): hãy chia nhỏ danh sách",
    )


def too_many_columns(limits: Limits) -> TooBig:
    """Return the refusal of a row with more filled columns than allowed."""
    return TooBig(
        f"a row has more than {limits.columns} columns",
        f"có dòng nhiều hơn {limits.columns} cột",
    )


def cell_too_long(limits: Limits) -> TooBig:
    """Return the refusal of a cell longer than allowed."""
    return TooBig(
        f"a cell is longer than {limits.cell_chars} characters",
        f"có ô dài hơn {limits.cell_chars} ký tự",
    )


def row_too_long(limits: Limits) -> TooBig:
    """Return the refusal of one row (its XML or CSV line) larger than allowed."""
    return TooBig(
        f"a row is larger than {_size(limits.row_bytes)}",
        f"có dòng lớn hơn {_size_vi(limits.row_bytes)}",
    )


def unpacked_too_big(limits: Limits) -> TooBig:
    """Return the refusal of a workbook that unpacks to more than allowed."""
    return TooBig(
        f"the workbook unpacks to more than {_size(limits.unpacked_bytes)}",
        f"bảng tính giải nén ra hơn {_size_vi(limits.unpacked_bytes)}",
    )


def part_too_big(limits: Limits, name: str) -> TooBig:
    """Return the refusal of a workbook part that would be read whole and is too large."""
    return TooBig(
        f"the workbook part {name[:80]} unpacks to more than {_size(limits.part_bytes)}",
        f"phần {name[:80]} của bảng tính giải nén ra hơn {_size_vi(limits.part_bytes)}",
    )


def too_many_entries(limits: Limits) -> TooBig:
    """Return the refusal of a zip with more files than a workbook has."""
    return TooBig(
        f"the workbook holds more than {limits.entries} files",
        f"bảng tính chứa hơn {limits.entries} tệp",
    )


def too_many_merged(limits: Limits) -> TooBig:
    """Return the refusal of a sheet with more merged ranges than are kept to fill."""
    return TooBig(
        f"the sheet has more than {limits.merged_ranges} merged cell ranges: unmerge them",
        f"trang có hơn {limits.merged_ranges} vùng ô gộp: hãy bỏ gộp ô",
    )


def payload_too_large(reason: TooBig) -> PayloadTooLarge:
    """Return the 413 a file too big to read gets."""
    return PayloadTooLarge(
        f"The file is too large to read: {reason.en}.",
        message_vi=f"Tệp quá lớn, không đọc được: {reason.vi}.",
        loc=["file"],
    )
