"""Import a paper log as CSV or XLSX: each row stored, known already, or refused cell by cell."""

from datetime import datetime, time
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, col, select

from metrology_svc.control_logs import importer
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.core.errors import Forbidden, Invalid, PayloadTooLarge
from metrology_svc.imports.schemas import REPORTED_ROWS
from metrology_svc.readings.models import Reading
from metrology_svc.settings import Settings
from tests.metrology_svc.audit.support import audited
from tests.metrology_svc.control_logs.support import Boards

SETTINGS = Settings(dead_letter_max_bytes=64)
HEADER = [
    "Ngày",
    "Giờ",
    "Quầy / người bán",
    "Hàng hóa",
    "KL bán (kg)",
    "KL cân lại (kg)",
    "Ghi chú",
]
GOOD = [
    ["23/11/2026", "07:30", "A-12", "thịt lợn", "1", "0,9", "khách báo thiếu"],
    ["23/11/2026", "08:05", "Cô Lan", "cá", "0,5", "0,498", ""],
]
BROKEN = [
    ["31/02/2026", "07:30", "A-12", "thịt lợn", "1", "0,9", ""],  # no such day
    ["24/11/2026", "25:10", "A-12", "rau", "1", "0,9", ""],  # no such hour
    ["24/11/2026", "09:00", "A-12", "rau", "-1", "abc", ""],  # two bad masses
    ["01/01/2099", "09:00", "A-12", "rau", "1", "0,9", ""],  # in the future
    ["24/11/2026", "09:00", "", "rau", "1", "0,9", ""],  # no seller
]


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "so.csv") -> Path:
    path = tmp_path / name
    lines = ["Sổ theo dõi cân đối chứng - Chợ Kỳ Anh", ";".join(HEADER)]
    path.write_text("\n".join(lines + [";".join(r) for r in rows]) + "\n", encoding="utf-8-sig")
    return path


def _import(db: Session, boards: Boards, path: Path) -> importer.LogImport:
    return importer.import_log(
        db,
        boards.board_a,
        site_id=boards.market.world.market_a,
        path=path,
        file_name=path.name,
        convention=None,
        settings=SETTINGS,
    )


def test_good_rows_are_stored_and_broken_ones_refused_cell_by_cell(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    report = _import(db, boards, _csv(tmp_path, GOOD + BROKEN))
    assert (report.rows, report.stored, report.refused, report.duplicates) == (7, 2, 5, 0)
    cells = [(e.row, e.column) for e in report.errors]
    assert cells == [
        (5, "Ngày"),
        (6, "Ngày"),  # the time is read with the date: refused on the date's column
        (7, "KL bán (kg)"),
        (7, "KL cân lại (kg)"),
        (8, "Ngày"),
        (9, "Quầy / người bán"),
    ]
    assert all(e.reason_vi and e.reason_en for e in report.errors)
    entries = list(db.exec(select(ControlLogEntry).order_by(col(ControlLogEntry.file_row))))
    assert [(e.file_row, e.declared_g, e.measured_g) for e in entries] == [
        (3, 1000.0, 900.0),
        (4, 500.0, 498.0),
    ]
    assert {r.source for r in db.exec(select(Reading))} == {"manual"}


def test_a_file_sent_again_stores_nothing_twice(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    first = _import(db, boards, _csv(tmp_path, GOOD))
    more = [*GOOD, ["25/11/2026", "10:00", "B-07", "gạo", "5", "4,95", ""]]
    again = _import(db, boards, _csv(tmp_path, more, "so-lan-2.csv"))
    assert (first.stored, again.stored, again.duplicates) == (2, 1, 2)
    assert len(list(db.exec(select(Reading)))) == 3


def test_an_xlsx_log_with_date_and_time_cells(db: Session, boards: Boards, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ngày", "Giờ", "Cân đối chứng", "Người bán", "KL bán (g)", "KL cân lại (g)"])
    sheet.append([datetime(2026, 11, 23), time(7, 30), "CDC-01", "A-12", 1000, 900])
    sheet.append([datetime(2026, 11, 23), time(7, 45), "XYZ", "A-12", 1000, 900.05])
    path = tmp_path / "so.xlsx"
    book.save(path)
    report = _import(db, boards, path)
    assert (report.stored, report.refused) == (1, 1)
    assert {e.column for e in report.errors} == {"Cân đối chứng", "KL cân lại (g)"}


def test_files_that_are_no_log_are_refused_whole(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    no_header = tmp_path / "x.csv"
    no_header.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(Invalid):
        _import(db, boards, no_header)
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(Invalid):
        _import(db, boards, binary)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(PayloadTooLarge):
        _import(db, boards, big)


def test_another_board_cannot_import_into_this_market(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    with pytest.raises(Forbidden):
        importer.import_log(
            db,
            boards.board_b,
            site_id=boards.market.world.market_a,
            path=_csv(tmp_path, GOOD),
            file_name="so.csv",
            convention=None,
            settings=SETTINGS,
        )


def test_the_report_lists_the_first_refused_rows_and_counts_them_all(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    broken = [["24/11/2026", "25:10", f"A-{i}", "rau", "1", "0,9", ""] for i in range(150)]
    report = _import(db, boards, _csv(tmp_path, broken))
    assert report.refused == 150
    assert len({e.row for e in report.errors}) == REPORTED_ROWS
    assert report.errors_total == 150
    assert [(r.reason_en, r.count) for r in report.reasons] == [("Invalid time (hh:mm)", 150)]


def test_each_imported_row_is_audited_with_its_file_and_row(
    db: Session, boards: Boards, tmp_path: Path
) -> None:
    _import(db, boards, _csv(tmp_path, GOOD + BROKEN))
    _import(db, boards, _csv(tmp_path, GOOD, "so-lan-2.csv"))  # known rows: nothing new
    records = audited(db, "control_log.entry")
    entries = list(db.exec(select(ControlLogEntry).order_by(col(ControlLogEntry.file_row))))
    assert [(r.entity, r.entity_id) for r in records] == [
        ("control_log_entry", e.id) for e in entries
    ]
    assert [(r.detail["file_name"], r.detail["file_row"]) for r in records] == [
        ("so.csv", 3),
        ("so.csv", 4),
    ]
    assert (records[1].detail["seller"], records[1].detail["channel"]) == ("Cô Lan", "import")
