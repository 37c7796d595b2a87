"""A district list's verification dates and results become records: status and due date exact."""

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, col, select

from metrology_svc.imports.cells import parse_result
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.verifications.models import Verification, VerificationKind, VerificationResult
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, scale_row

HEADERS = {**VI, "last_result": "Kết quả"}
S = InstrumentStatus


def _taxi(serial: str, on: str | datetime, result: str = "") -> dict[str, str | datetime]:
    row: dict[str, str | datetime] = {
        **scale_row(serial, type="Taximet", manufacturer="Mai Linh", model="TX-1"),
        "max_g": "",
        "e_g": "",
        "accuracy_class": "",
        "due_date": "",
        "last_verified_on": on,
        "last_result": result,
    }
    return row


def _scale(serial: str, on: str | datetime, result: str = "") -> dict[str, str | datetime]:
    return {**scale_row(serial, due_date=""), "last_verified_on": on, "last_result": result}


# (row in Excel, row) — the list as a district keeps it: Excel dates and text dates mixed.
DISTRICT = [
    _scale("KA-01", "15/03/2025", "Đạt"),
    _scale("KA-02", datetime(2024, 12, 1), "đạt"),
    _scale("KA-03", "10/01/2023"),
    _scale("KA-04", "05/06/2025", "KĐ"),
    _scale("KA-05", ""),
    _scale("KA-06", "", "Dat"),
    _taxi("TX-01", "01/12/2025", "pass"),
    _taxi("TX-02", datetime(2024, 9, 1), "khong dat"),
    _taxi("TX-03", "2024-09-01"),
    _scale("KA-07", "01/10/2013", "Đạt"),
    _scale("KA-08", "15/03/2025", "tốt"),
]
FIRST = 4  # two title lines and the header above the first row


def district_xlsx(path: Path, rows: list[dict[str, str | datetime]]) -> Path:
    """Write a district's list: two title lines, the header, Excel dates where typed as dates."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH PHƯƠNG TIỆN ĐO NHÓM 2 ĐANG SỬ DỤNG"])
    sheet.append(["Phòng Kinh tế huyện Kỳ Anh, năm 2026"])
    sheet.append(list(HEADERS.values()))
    for row in rows:
        sheet.append([row.get(k, "") for k in HEADERS])
        cell = sheet.cell(row=sheet.max_row, column=list(HEADERS).index("last_verified_on") + 1)
        if isinstance(cell.value, datetime):
            cell.number_format = "dd/mm/yyyy"
    book.save(path)
    return path


def run(db: Session, path: Path, mode: ImportMode = ImportMode.VALID_ONLY) -> ImportReport:
    report = import_file(db, ADMIN, path, mode=mode, today=TODAY)
    db.flush()
    return report


def state(db: Session, serial: str) -> tuple[InstrumentStatus, date | None]:
    found = db.exec(select(Instrument).where(Instrument.serial == serial)).one()
    db.refresh(found)
    return InstrumentStatus(found.status), found.due_date


def test_a_district_list_gives_each_row_its_status_and_due_date(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, district_xlsx(tmp_path / "ky-anh.xlsx", DISTRICT))
    assert (report.created, report.rejected, report.verifications) == (9, 2, 7)
    assert report.no_history == 2
    # Spring dial scales: 24 months in every version; today is 23/11/2026, "due" is 30 days.
    assert state(db, "KA-01") == (S.IN_SERVICE, date(2027, 3, 15))
    assert state(db, "KA-02") == (S.DUE, date(2026, 12, 1))
    assert state(db, "KA-03") == (S.OVERDUE, date(2025, 1, 10))
    assert state(db, "KA-04") == (S.FAILED, None)  # không đạt: failed, not in service
    assert state(db, "KA-05") == (S.REGISTERED, None)
    assert state(db, "KA-06") == (S.REGISTERED, None)
    # Taximeters: 18 months from 15/10/2024 (03/2024/TT-BKHCN), 12 months before it.
    assert state(db, "TX-01") == (S.IN_SERVICE, date(2027, 6, 1))
    assert state(db, "TX-02") == (S.FAILED, None)
    assert state(db, "TX-03") == (S.OVERDUE, date(2025, 9, 1))
    records = {
        v.source_row: (v.kind, v.result, v.verified_on, v.cycle_months, v.valid_until)
        for v in db.exec(select(Verification).order_by(col(Verification.id)))
    }
    imported, recorded, failed = VerificationKind.IMPORTED, VerificationResult.RECORDED, None
    assert records == {
        FIRST: (imported, recorded, date(2025, 3, 15), 24, date(2027, 3, 15)),
        FIRST + 1: (imported, recorded, date(2024, 12, 1), 24, date(2026, 12, 1)),
        FIRST + 2: (imported, recorded, date(2023, 1, 10), 24, date(2025, 1, 10)),
        FIRST + 3: (imported, VerificationResult.FAIL, date(2025, 6, 5), failed, failed),
        FIRST + 6: (imported, recorded, date(2025, 12, 1), 18, date(2027, 6, 1)),
        FIRST + 7: (imported, VerificationResult.FAIL, date(2024, 9, 1), failed, failed),
        FIRST + 8: (imported, recorded, date(2024, 9, 1), 12, date(2025, 9, 1)),
    }


def test_rejects_name_the_dates_and_results_that_would_be_accepted(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, district_xlsx(tmp_path / "ky-anh.xlsx", DISTRICT))
    bad, old = report.errors  # a cell that cannot be read is found first, at parsing
    assert (old.row, old.column, old.value) == (FIRST + 9, "Ngày kiểm định", "01/10/2013")
    assert old.reason_en.startswith("No due date can be computed: no verification cycle for ")
    assert old.reason_en.endswith("the date is before the rulebook's first cycle (15/11/2013)")
    assert old.reason_vi.endswith("ngày này trước chu kỳ đầu tiên của sổ quy định (15/11/2013)")
    assert old.accepted_en == (
        "a date from 15/11/2013 (the rulebook's first cycle) to today 23/11/2026, as "
        "dd/mm/yyyy or yyyy-mm-dd; an older date: leave the cell empty"
    )
    assert old.accepted_vi.startswith("ngày từ 15/11/2013 (chu kỳ đầu tiên của sổ quy định)")
    assert (bad.row, bad.column, bad.value) == (FIRST + 10, "Kết quả", "tốt")
    assert (bad.reason_vi, bad.reason_en) == (
        "Kết quả kiểm định không hợp lệ",
        "Unknown verification result",
    )
    assert bad.accepted_vi == bad.accepted_en == "đạt / không đạt (Đ / KĐ), pass / fail"


def test_rows_without_a_date_are_counted_as_no_history_in_both_languages(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, district_xlsx(tmp_path / "ky-anh.xlsx", DISTRICT))
    by_row = {(w.row, w.column): w for w in report.warnings}
    result = by_row[(FIRST + 5, "Kết quả")]
    assert result.reason_en == "The result (pass) is not recorded: the row has no verification date"
    assert result.reason_vi == "Kết quả đạt không được ghi: dòng không có ngày kiểm định"
    summary = by_row[(3, "Ngày kiểm định")]
    assert summary.reason_vi == (
        "Không có lịch sử kiểm định: 2 dòng không có ngày kiểm định (dòng 8, 9); các phương "
        "tiện đo này ở trạng thái đã đăng ký, chưa có hạn kiểm định"
    )
    assert summary.reason_en == (
        "No history: 2 rows have no verification date (rows 8, 9); these instruments stay "
        "registered, with no due date"
    )


def test_all_or_nothing_counts_no_history_only_when_written(
    db: Session, world: World, tmp_path: Path
) -> None:
    refused = run(db, district_xlsx(tmp_path / "a.xlsx", DISTRICT), ImportMode.ALL_OR_NOTHING)
    assert (refused.written, refused.no_history, refused.verifications) == (False, 0, 0)
    good = run(db, district_xlsx(tmp_path / "b.xlsx", DISTRICT[:9]), ImportMode.ALL_OR_NOTHING)
    assert (good.written, good.no_history, good.verifications) == (True, 2, 7)
    # The same list again: every date is on record, nothing moves, failed stays failed.
    again = run(db, district_xlsx(tmp_path / "b.xlsx", DISTRICT[:9]), ImportMode.ALL_OR_NOTHING)
    assert (again.verifications, again.unchanged) == (0, 9)
    assert state(db, "KA-04") == (S.FAILED, None)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("Đạt", "pass"),
        ("ĐẠT", "pass"),
        ("dat", "pass"),
        ("Đ", "pass"),
        ("Pass", "pass"),
        ("Không đạt", "fail"),
        ("KHONG DAT", "fail"),
        ("KĐ", "fail"),
        ("K.Đ", "fail"),
        ("kd", "fail"),
        ("fail", "fail"),
        # NFD, as a Mac writes it
        ("Kho\u0302ng \u0111a\u0323t", "fail"),
    ],
)
def test_results_are_read_accent_insensitively(text: str, result: str) -> None:
    assert parse_result(text) == result
