"""Files built the way offices make them: old encodings, .xls, .ods, hidden sheets, merged cells.

Each builder writes what Excel (or LibreOffice) would have saved; the tests assert the exact
values read back.
"""

import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import xlwt  # type: ignore[import-untyped]
from openpyxl import Workbook
from openpyxl.styles import Font

from tests.metrology_svc.imports.support import VI, scale_row

Matrix = list[list[Any]]
HEADER = list(VI.values())
TITLE = "DANH SÁCH PHƯƠNG TIỆN ĐO"


def matrix(rows: list[dict[str, str]], *, title: bool = True) -> Matrix:
    """Return the cells of a list: an optional title line, the Vietnamese headers, the rows."""
    keys = list(VI)
    body: Matrix = [[TITLE]] if title else []
    body.append(list(HEADER))
    body += [[row.get(k, "") for k in keys] for row in rows]
    return body


def column(key: str) -> int:
    """Return a column's 0-based position in the lists these builders write."""
    return list(VI).index(key)


# --- CSV bytes in the encodings Excel saves ----------------------------------------------------


def cp1258_text(text: str) -> str:
    """Return text as Windows-1258 holds it: base letters precomposed, tone marks combining."""
    out: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", text) + " ":
        if not unicodedata.combining(char):
            out += tones
            tones = []
            out.append(char)
        elif char in "\u0302\u0306\u031b":  # â ă ơ ư ... stay one letter
            out[-1] = unicodedata.normalize("NFC", out[-1] + char)
        else:
            tones.append(char)
    return "".join(out)[:-1]


def csv_bytes(body: Matrix, encoding: str) -> bytes:
    """Return a CSV as Excel writes it: "utf-16" is its tab-separated "Unicode Text"."""
    sep = "\t" if encoding == "utf-16" else ","
    text = "".join(sep.join(str(c) for c in row) + "\r\n" for row in body)
    if encoding == "cp1258":
        return cp1258_text(text).encode("cp1258")
    if encoding == "utf-16":
        return text.encode("utf-16")  # with its BOM, little-endian
    return text.encode(encoding)


# --- XLSX -------------------------------------------------------------------------------------


def write_book(
    path: Path,
    sheets: Sequence[tuple[str, Matrix, bool]],
    *,
    merges: Sequence[tuple[str, str]] = (),
    fonts: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write an XLSX of (name, cells, hidden) sheets; merges and fonts as (sheet, range)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, body, hidden in sheets:
        sheet = book.create_sheet(name)
        for row in body:
            sheet.append(row)
        if hidden:
            sheet.sheet_state = "hidden"
    for ref, font in fonts:
        name, cells = ref.split("!")
        found = book[name][cells]
        for cell in found if isinstance(found, tuple) else (found,):
            cell.font = Font(name=font)
    for ref, _ in merges:
        name, cells = ref.split("!")
        book[name].merge_cells(cells)
    book.save(path)
    return path


# --- XLS (Excel 97-2003) ----------------------------------------------------------------------


def write_xls(
    path: Path,
    sheets: Sequence[tuple[str, Matrix, bool]],
    *,
    merges: Sequence[tuple[str, int, int, int]] = (),
    fonts: Sequence[tuple[str, int, str]] = (),
) -> Path:
    """Write an .xls as old Excel does; merges as (sheet, column, first row, last row), 0-based.

    `fonts` as (sheet, column, font name): every cell of that column in that font (.VnTime).
    """
    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    styles = {(n, c): xlwt.easyxf(f"font: name {f}") for n, c, f in fonts}
    made = {}
    for name, body, hidden in sheets:
        sheet = book.add_sheet(name)
        made[name] = sheet
        if hidden:
            sheet.visibility = 1
        merged = {
            (r, c) for n, c, top, bottom in merges if n == name for r in range(top, bottom + 1)
        }
        for r, row in enumerate(body):
            for c, value in enumerate(row):
                if (r, c) in merged or value in ("", None):
                    continue
                if hasattr(value, "isoformat"):
                    sheet.write(r, c, value, dates)
                elif (name, c) in styles:
                    sheet.write(r, c, value, styles[name, c])
                else:
                    sheet.write(r, c, value)
        for n, c, top, bottom in merges:
            if n == name:
                style = styles.get((name, c), xlwt.Style.default_style)
                sheet.write_merge(top, bottom, c, c, body[top][c], style)
    book.save(str(path))
    return path


# --- ODS (LibreOffice) ------------------------------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'office:version="1.2"'
)
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _ods_cell(value: Any) -> str:
    if value in ("", None):
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if hasattr(value, "isoformat"):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
        )
    text = escape(str(value))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def write_ods(
    path: Path, sheets: Sequence[tuple[str, Matrix]], *, content: str | None = None
) -> Path:
    """Write an .ods as LibreOffice does (mimetype first, stored); `content` replaces the XML."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in body
        )
        + "</table:table>"
        for name, body in sheets
    )
    xml = content or (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def district_rows() -> list[dict[str, str]]:
    """Two scales of one district list (serials D-1, D-2)."""
    return [scale_row("D-1"), scale_row("D-2", owner_name="Trần Văn Đức", owner_phone="0987654321")]


# --- A district list: the office's own headers and everyday type names --------------------------

# The headers a district economic office writes over its market scales, in its order.
DISTRICT_HEADERS = {
    "row_no": "STT",
    "owner_name": "Tên chủ hộ",
    "type": "Loại PTĐ",
    "serial": "Số máy",
    "manufacturer": "Hãng SX",
    "max_g": "Mức cân max",
    "row_unit": "ĐVT",
    "site_name": "Tên chợ",
    "unit_code": "Mã ĐVHC",
    "last_verified_on": "Ngày KĐ",
    "owner_phone": "SĐT",
    "note": "Ghi chú",
}


def district_list(
    rows: list[dict[str, str]], *, headers: dict[str, str] = DISTRICT_HEADERS
) -> Matrix:
    """Return a district list's cells: a title, the office's headers, rows numbered from 1."""
    body: Matrix = [["DANH SÁCH CÂN TẠI CÁC CHỢ NĂM 2026"], list(headers.values())]
    for number, row in enumerate(rows, start=1):
        cells = {"row_no": str(number), **row}
        body.append([cells.get(k, "") for k in headers])
    return body


def district_row(
    serial: str, type_name: str, max_text: str, unit: str = "kg", **over: str
) -> dict[str, str]:
    """Return one row of a district list (a scale at Chợ Kỳ Anh)."""
    row = {
        "owner_name": "Nguyễn Thị Hoa",
        "type": type_name,
        "serial": serial,
        "manufacturer": "Nhơn Hòa",
        "max_g": max_text,
        "row_unit": unit,
        "site_name": "Chợ Kỳ Anh",
        "unit_code": "18754",
        "last_verified_on": "",
        "owner_phone": "0912345678",
    }
    return row | over
