""".xls lists typed in .VnTime / VNI-Times fonts: the cell's font (xlrd) says which text to convert.

The files are built by xlwt (a test dependency only) as old Excel saves them, fonts per column.
"""

import struct
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import xlwt  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from metrology_svc.core.errors import Invalid
from metrology_svc.imports import xlsx_worker
from metrology_svc.imports.limits import INSTRUMENTS
from metrology_svc.imports.readers import Table, open_table
from metrology_svc.imports.service import import_file
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.offices import Matrix, column, matrix, write_book, write_xls
from tests.metrology_svc.imports.support import TODAY, scale_row
from tests.metrology_svc.imports.test_encodings import _syllable

IMPORT = "/api/v1/imports/instruments"
OWNER, SITE, MAKER = column("owner_name"), column("site_name"), column("manufacturer")


def _read(table: Table, *keys: str) -> list[tuple[Any, ...]]:
    return [(r.row, *(r.values[k] for k in keys)) for r in table.rows]


def test_a_vntime_column_is_converted_and_a_times_new_roman_column_beside_it_is_not(
    tmp_path: Path,
) -> None:
    # "Thá Sè" has only letters Vietnamese Unicode uses too: only the .VnTime font tells it is
    # TCVN3 for "Thỏ Số". The same letters in Times New Roman stay; the Unicode header in the
    # .VnTime column stays; .VnTimeH is the capitals font ("hµ lª": "HÀ LÊ").
    rows = [
        scale_row("V-1", owner_name="Thá Sè", site_name="Thá Sè", manufacturer="hµ lª"),
        scale_row("V-2", owner_name="NguyÔn ThÞ Lan", site_name="Chợ Kỳ Anh"),
    ]
    fonts = [("DS", OWNER, ".VnTime"), ("DS", SITE, "Times New Roman"), ("DS", MAKER, ".VnTimeH")]
    table = open_table(write_xls(tmp_path / "vn.xls", [("DS", matrix(rows), False)], fonts=fonts))
    assert table.header.label("owner_name") == "Chủ sở hữu"
    assert _read(table, "owner_name", "site_name", "manufacturer") == [
        (3, "Thỏ Số", "Thá Sè", "HÀ LÊ"),
        (4, "Nguyễn Thị Lan", "Chợ Kỳ Anh", "Nhơn Hòa"),
    ]
    assert (table.source.converted, table.source.converted_from) == (3, ["tcvn3"])
    assert table.source.notices == []


def test_a_vni_times_column_is_converted_to_nfc(tmp_path: Path) -> None:
    # "Soá" is "Số" in VNI; without the font the letters alone ("o" + "á", as in "hoá") do not
    # say so, and the Times New Roman column keeps them.
    rows = [
        scale_row("N-1", owner_name="Soá", site_name="Soá"),
        scale_row("N-2", owner_name="Nguyeãn Thò Lan", site_name="Chôï Kyø Anh"),
    ]
    fonts = [("DS", OWNER, "VNI-Times"), ("DS", SITE, "Times New Roman")]
    table = open_table(write_xls(tmp_path / "vni.xls", [("DS", matrix(rows), False)], fonts=fonts))
    got = _read(table, "owner_name", "site_name")
    # The site "Chôï Kyø Anh" is converted by its letters (VNI pairs no word has), as before.
    assert got == [(3, "Số", "Soá"), (4, "Nguyễn Thị Lan", "Chợ Kỳ Anh")]
    assert all(unicodedata.is_normalized("NFC", str(v)) for _r, *vs in got for v in vs)
    assert (table.source.converted, table.source.converted_from) == (3, ["vni"])


def test_fonts_line_up_on_a_list_that_starts_in_column_b_with_a_merged_owner(
    tmp_path: Path,
) -> None:
    # calamine gives such a sheet's rows from column B: padded back to A, the merged range and
    # the fonts (both by position) fall on the owner column.
    body = [["", *row] for row in matrix([scale_row("B-1"), scale_row("B-2"), scale_row("B-3")])]
    body[2][OWNER + 1] = "Thá Sè"
    write_xls(
        tmp_path / "b.xls",
        [("DS", body, False)],
        merges=[("DS", OWNER + 1, 2, 4)],
        fonts=[("DS", OWNER + 1, ".VnTime")],
    )
    table = open_table(tmp_path / "b.xls")
    assert _read(table, "serial", "owner_name") == [
        (3, "B-1", "Thỏ Số"),
        (4, "B-2", "Thỏ Số"),
        (5, "B-3", "Thỏ Số"),
    ]
    assert table.source.converted == 1  # the merged range's one cell


def test_a_hidden_first_sheet_is_passed_over_and_the_list_sheets_own_fonts_used(
    tmp_path: Path,
) -> None:
    old = matrix([scale_row("OLD-1", owner_name="Thá Sè", site_name="Thá Sè")])
    new = matrix([scale_row("NEW-1", owner_name="Thá Sè", site_name="Thá Sè")])
    path = write_xls(
        tmp_path / "h.xls",
        [("Cũ", old, True), ("DS", new, False)],
        fonts=[("Cũ", SITE, ".VnTime"), ("DS", OWNER, ".VnTime")],
    )
    table = open_table(path)
    assert (table.source.sheet, table.source.hidden_sheets) == ("DS", ["Cũ"])
    assert _read(table, "serial", "owner_name", "site_name") == [(3, "NEW-1", "Thỏ Số", "Thá Sè")]
    chosen = open_table(path, sheet="1")  # asked for, the hidden sheet with its own fonts
    assert _read(chosen, "serial", "owner_name", "site_name") == [(3, "OLD-1", "Thá Sè", "Thỏ Số")]


def _font_record_broken(tmp_path: Path) -> Path:
    """An .xls whose .VnTime FONT record claims a 255-character UTF-16 name (7 bytes follow).

    calamine reads the values (it does not read fonts); xlrd fails on the font table.
    """
    rows = [scale_row("D-1", owner_name="NguyÔn ThÞ Lan", site_name="Thá Sè")]
    path = write_xls(
        tmp_path / "f.xls", [("DS", matrix(rows), False)], fonts=[("DS", 1, ".VnTime")]
    )
    data = bytearray(path.read_bytes())
    at = data.index(b".VnTime")
    data[at - 2 : at] = b"\xff\x01"
    path.write_bytes(bytes(data))
    return path


def test_fonts_xlrd_cannot_read_leave_the_text_patterns_and_a_notice(tmp_path: Path) -> None:
    table = open_table(_font_record_broken(tmp_path))
    # "NguyÔn ThÞ Lan" is TCVN3 by its letters; "Thá Sè" needed the font: it stays.
    assert _read(table, "serial", "owner_name", "site_name") == [
        (3, "D-1", "Nguyễn Thị Lan", "Thá Sè")
    ]
    assert table.source.converted == 1
    [(en, vi)] = table.source.notices
    assert en.startswith("The fonts of this XLS file could not be read (UnicodeDecodeError: ")
    assert en.endswith(
        "text typed in old TCVN3 or VNI fonts was recognised by its characters alone; "
        "check the names"
    )
    assert vi.startswith("Không đọc được phông chữ của tệp XLS này (UnicodeDecodeError: ")
    assert vi.endswith("chỉ được nhận ra theo ký tự; hãy kiểm tra lại các tên")


def test_a_sheet_xlrd_cannot_parse_after_its_styles_leaves_the_patterns_and_a_notice(
    tmp_path: Path,
) -> None:
    # The styles (fonts) read well; the last text cell points past the shared strings: xlrd
    # stops on the sheet, calamine reads the rest (it leaves that cell out).
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("DS")
    sheet.write(0, 0, "Chủ sở hữu")
    sheet.write(1, 0, "Thá Sè", xlwt.easyxf("font: name .VnTime"))
    sheet.write(2, 0, "Lan")
    book.save(str(tmp_path / "s.xls"))
    data = bytearray((tmp_path / "s.xls").read_bytes())
    last = data.rindex(struct.pack("<HH", 0x00FD, 10))  # LABELSST: row, column, XF, string
    data[last + 10 : last + 14] = struct.pack("<I", 9999)
    (tmp_path / "s.xls").write_bytes(bytes(data))
    messages = list(xlsx_worker.messages(str(tmp_path / "s.xls"), choice={"format": "xls"}))
    rows = [row for kind, batch in messages if kind == "rows" for row in batch]
    assert rows[:2] == [("Chủ sở hữu",), ("Thá Sè",)]
    kind, end = messages[-1]
    assert (kind, end["converted"]) == ("end", 0)
    [(en, _vi)] = end["notices"]
    assert en.startswith("The fonts of this XLS file could not be read (IndexError: ")


def test_an_import_says_how_many_cells_and_that_the_fonts_were_unread(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = import_file(db, ADMIN, _font_record_broken(tmp_path), today=TODAY)
    db.flush()
    assert (report.created, report.rejected, report.converted_cells) == (1, 0, 1)
    assert (report.file_format, report.converted_from) == ("xls", ["tcvn3"])
    reasons = [w.reason_en for w in report.warnings]
    assert "1 cells typed in old TCVN3 (ABC, .VnTime) fonts were converted to Unicode" in reasons
    assert sum(r.startswith("The fonts of this XLS file could not be read") for r in reasons) == 1


def test_an_xls_with_unreadable_fonts_over_http_is_imported_not_a_server_error(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    with _font_record_broken(tmp_path).open("rb") as handle:
        r = client.post(IMPORT, files={"file": ("f.xls", handle)}, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["converted_cells"], body["file_format"]) == (1, 1, "xls")
    assert any(
        w["reason_vi"].startswith("Không đọc được phông chữ của tệp XLS") for w in body["warnings"]
    )


def test_a_damaged_xls_with_vntime_fonts_is_a_clear_422(tmp_path: Path) -> None:
    rows = [scale_row(f"C-{i}", owner_name="Thá Sè") for i in range(200)]
    path = write_xls(
        tmp_path / "c.xls", [("DS", matrix(rows), False)], fonts=[("DS", OWNER, ".VnTime")]
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Invalid) as err:
        list(open_table(path).rows)
    assert err.value.message.startswith(
        "The file is not a CSV, XLSX, XLS or ODS instrument list: unreadable XLS file, damaged"
    )
    assert err.value.message_vi.startswith(
        "Tệp không phải danh sách CSV, XLSX, XLS hoặc ODS: không đọc được tệp XLS, tệp hỏng"
    )


def test_a_workbook_without_legacy_fonts_is_not_parsed_again(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "u.xls", [("DS", matrix([scale_row("U-1")]), False)])
    fonts = xlsx_worker.XlsFonts(str(path), INSTRUMENTS)
    try:
        assert (fonts.book, fonts.failure, fonts.legacy) == (None, None, {})
        assert fonts.sheet("DS", 3)(2, OWNER) == (None, False)
    finally:
        fonts.close()


def _unicode_vietnamese() -> st.SearchStrategy[str]:
    # Text with a letter past Latin-1 (ă, ơ, ư, đ, ạ, ễ...): Unicode for sure. Words of Latin-1
    # letters only ("Phú Yên") in a .VnTime cell are read as TCVN3: the font is believed.
    words = st.lists(_syllable(), min_size=1, max_size=5).map(" ".join)
    return words.filter(lambda t: any(ord(c) > 0xFF for c in t))


@pytest.mark.parametrize("fmt", ["xls", "xlsx"])  # the same rule for both
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_unicode_vietnamese(), min_size=1, max_size=4))
def test_unicode_vietnamese_in_a_legacy_font_is_never_changed(
    tmp_path: Path, fmt: str, names: list[str]
) -> None:
    body: Matrix = [["Chủ sở hữu", "Địa điểm"], *([n, n] for n in names)]
    path = tmp_path / f"p.{fmt}"
    if fmt == "xls":
        write_xls(path, [("DS", body, False)], fonts=[("DS", 0, ".VnTime"), ("DS", 1, "VNI-Times")])
    else:
        cells = range(1, len(body) + 1)
        fonts = [(f"DS!A{r}", ".VnTime") for r in cells] + [
            (f"DS!B{r}", "VNI-Times") for r in cells
        ]
        write_book(path, [("DS", body, False)], fonts=fonts)
    messages = list(xlsx_worker.messages(str(path), choice={"format": fmt, "sheet": None}))
    rows = [row for kind, batch in messages if kind == "rows" for row in batch]
    assert rows == [tuple(r) for r in body]
    kind, end_counts = messages[-1]
    assert (kind, end_counts["converted"], end_counts["kinds"]) == ("end", 0, [])
