"""Importing numbers as offices write them: CSV text, XLSX number and text cells, conventions."""

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import Convention
from metrology_svc.imports import service
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, write_csv, write_xlsx
from tests.metrology_svc.imports.support import scale_row as dated_row


def scale_row(serial: str, **over: object) -> dict[str, str]:
    """Return a row without dates: numbers are what these tests are about."""
    return dated_row(serial, last_verified_on="", due_date="", **over)  # type: ignore[arg-type]


def run(db: Session, path: Path, *, convention: Convention | None = None) -> ImportReport:
    report = import_file(
        db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY, convention=convention
    )
    db.flush()
    return report


def infinite_cell(path: Path, value: str) -> None:
    """Rewrite a number cell as 1E999, which a reader takes for infinity (Excel never writes it)."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(f"<v>{value}</v>".encode(), b"<v>1E999</v>")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


def grams(db: Session, serial: str) -> tuple[float | None, float | None]:
    found = db.exec(select(Instrument).where(Instrument.serial == serial)).one()
    return found.max_g, found.e_g


def errors(report: ImportReport) -> dict[int, str]:
    return {e.row: e.reason_en for e in report.errors}


def test_the_measured_cases_in_a_vietnamese_csv(db: Session, world: World, tmp_path: Path) -> None:
    rows = [
        scale_row("N-1", max_g="15.000", e_g="1,5"),  # 15000 g (the old reader: 15)
        scale_row("N-2", max_g="1.500", e_g="0,5"),  # 1500 g (the old reader: 1.5)
        scale_row("N-3", max_g="30,000"),  # 30 g or 30000 g? (the old reader: 30)
        scale_row("N-4", max_g="1.000.000"),
        scale_row("N-5", max_g="15 kg", e_g="5 g"),
        scale_row("N-6", max_g="1,5 tấn"),
    ]
    report = run(db, write_csv(tmp_path / "vi.csv", rows))
    assert (report.convention, report.convention_source) == ("vi", "file")
    assert grams(db, "N-1") == (15000, 1.5)
    assert grams(db, "N-2") == (1500, 0.5)
    assert grams(db, "N-4")[0] == 1_000_000
    assert grams(db, "N-5") == (15000, 5)
    assert grams(db, "N-6")[0] == 1_500_000
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (4, "Max (g)", "30,000")
    assert "30\u00a0000 g" in error.reason_en
    assert "30 g" in error.reason_en
    assert "30\u00a0000 g" in error.reason_vi
    assert "Không đoán" in error.reason_vi


def test_a_kg_header_reads_bare_numbers_in_kg(db: Session, world: World, tmp_path: Path) -> None:
    names = {**VI, "max_g": "Max (kg)"}
    rows = [
        scale_row("K-1", max_g="15"),
        scale_row("K-2", max_g="1,5"),
        scale_row("K-3", max_g="15.000"),  # 15 kg or 15000 kg: refused
        scale_row("K-4", max_g="500 g"),  # its own unit wins
        scale_row("K-5", max_g="20 L"),  # another kind of quantity: refused
    ]
    report = run(db, write_csv(tmp_path / "kg.csv", rows, names=names))
    assert [grams(db, s)[0] for s in ("K-1", "K-2", "K-4")] == [15000, 1500, 500]
    found = errors(report)
    assert sorted(found) == [4, 6]
    assert "15\u00a0000 kg" in found[4]
    assert "15 kg" in found[4]
    assert "L cannot be converted to g" in found[6]


def test_an_english_file_is_read_the_english_way(db: Session, world: World, tmp_path: Path) -> None:
    rows = [scale_row("E-1", max_g="30,000", e_g="2.5"), scale_row("E-2", max_g="1,500,000")]
    report = run(db, write_csv(tmp_path / "en.csv", rows))
    assert (report.convention, report.convention_source, report.errors) == ("en", "file", [])
    assert (grams(db, "E-1"), grams(db, "E-2")[0]) == ((30000, 2.5), 1_500_000)


def test_english_shown_late_reads_the_whole_file_again(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)
    rows = [scale_row("L-1", max_g="15,000"), scale_row("L-2"), scale_row("L-3", e_g="2.5")]
    report = run(db, write_csv(tmp_path / "late.csv", rows))
    # Read the Vietnamese way first, "15,000" would have been refused as ambiguous.
    assert (report.convention, report.errors, report.created) == ("en", [], 3)
    assert grams(db, "L-1")[0] == 15000


def test_a_file_that_mixes_both_ways_is_refused_whole(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("M-1", e_g="1,5"), scale_row("M-2", e_g="2.5")]
    with pytest.raises(Invalid) as err:
        run(db, write_csv(tmp_path / "mixed.csv", rows))
    assert "“1,5” the Vietnamese way, “2.5” the English way" in err.value.message
    assert "row 2, e (g); row 3, e (g)" in err.value.message
    assert db.exec(select(Instrument).where(Instrument.serial == "M-1")).first() is None


def test_the_convention_option_wins_and_judges_each_cell(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("O-1", max_g="15,000", e_g="2.5"), scale_row("O-2", e_g="1,5")]
    report = run(db, write_csv(tmp_path / "opt.csv", rows), convention=Convention.EN)
    assert (report.convention, report.convention_source) == ("en", "option")
    assert grams(db, "O-1") == (15000, 2.5)
    assert "written the Vietnamese way" in errors(report)[3]


def test_xlsx_number_cells_are_exact_and_text_cells_are_parsed(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("X-1", max_g=15000, e_g=0.5),
        scale_row("X-2", max_g="15.000", e_g="0,5"),
        scale_row("X-3", max_g="15 kg", e_g=123.456),
    ]
    path = write_xlsx(tmp_path / "cells.xlsx", rows)
    infinite_cell(path, "123.456")
    report = run(db, path)
    assert grams(db, "X-1") == (15000, 0.5)  # 0.5 as text would be English: never re-read
    assert grams(db, "X-2") == (15000, 0.5)
    assert [(e.row, e.column) for e in report.errors] == [(5, "e (g)")]
    assert "not a finite number" in report.errors[0].reason_en


def test_an_xlsx_with_a_kg_header_and_number_cells(
    db: Session, world: World, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    keys = [k for k in VI if k != "max_g"]
    sheet.append([VI[k] for k in keys] + ["Max (kg)"])
    sheet.append([scale_row("XK-1")[k] for k in keys] + [1.5])
    sheet.append([scale_row("XK-2")[k] for k in keys] + ["30,000"])
    book.save(tmp_path / "kg.xlsx")
    report = run(db, tmp_path / "kg.xlsx")
    assert report.errors == []
    assert (grams(db, "XK-1")[0], grams(db, "XK-2")[0]) == (1500, 30000)
