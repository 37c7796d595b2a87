"""Reports a clerk can act on: row, header as written, value, reason, what would be accepted;
the XLSX report with the offending cells red and commented, every cell text."""

import io
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from metrology_svc.core.cells import text_cells
from metrology_svc.imports.error_file import ErrorStore, write_xlsx_report
from metrology_svc.imports.readers import open_table
from metrology_svc.imports.schemas import ImportMode
from metrology_svc.imports.service import check_file, import_file
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, scale_row

ERRORS = "/api/v1/imports/instruments/errors"
HEADERS = {**VI, "last_result": "Kết quả"}
RED = "00FFC7CE"


def office_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    """A list as an office keeps it: a title line, then the header (row 2), then the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH PHƯƠNG TIỆN ĐO - XÃ KỲ ANH"])
    sheet.append(list(HEADERS.values()))
    for row in rows:
        sheet.append([row.get(k, "") for k in HEADERS])
    text_cells(book)  # "=HYPERLINK(...)" typed as text, as Excel keeps a cell starting with '
    book.save(path)
    return path


ROWS = [
    scale_row("R-1", due_date=""),  # row 3: good
    {**scale_row("R-2", due_date="", last_verified_on="32/01/2025"), "last_result": "tốt"},
    scale_row('=HYPERLINK("http://x")', type="Cân vàng ABC", due_date=""),  # row 5
    scale_row("R-4", due_date="", last_verified_on="01/10/2012"),  # row 6
    scale_row("R-5", due_date="", owner_phone="12"),  # row 7
]


def _post(client: TestClient, world: World, path: Path, **params: str) -> httpx.Response:
    with path.open("rb") as handle:
        response: httpx.Response = client.post(
            ERRORS, params=params, files={"file": (path.name, handle)}, headers=world.auth("admin")
        )
    return response


def test_every_reject_says_what_would_be_accepted(
    db: Session, world: World, tmp_path: Path
) -> None:
    path = office_xlsx(tmp_path / "ky-anh.xlsx", ROWS)
    report = import_file(db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY)
    found = {(e.row, e.column): e for e in report.errors}
    date_cell = found[(4, "Ngày kiểm định")]
    assert (date_cell.value, date_cell.reason_en) == (
        "32/01/2025",
        "Invalid date (dd/mm/yyyy or yyyy-mm-dd)",
    )
    assert date_cell.accepted_vi == "dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 15/03/2025"
    assert date_cell.accepted_en == "dd/mm/yyyy or yyyy-mm-dd, e.g. 15/03/2025"
    assert found[(4, "Kết quả")].accepted_en == "đạt / không đạt (Đ / KĐ), pass / fail"
    assert found[(6, "Ngày kiểm định")].accepted_en.startswith("a date from 15/11/2013")
    phone = found[(7, "Điện thoại")]
    assert (phone.value, phone.reason_en) == ("12", "Invalid phone number")
    assert phone.accepted_vi.startswith("số điện thoại 8–19 chữ số")
    # Every reject names row, header as written, reason and what would be accepted, both ways.
    assert all(
        e.row and e.column and e.reason_vi and e.reason_en and e.accepted_vi and e.accepted_en
        for e in report.errors
    )
    assert report.rejected == 4


def _sheets(content: bytes) -> tuple[Any, Any]:
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Danh sách - List", "Lỗi - Errors"]
    return book["Danh sách - List"], book["Lỗi - Errors"]


def test_the_xlsx_report_marks_the_offending_cells(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    res = _post(client, world, office_xlsx(tmp_path / "ky-anh.xlsx", ROWS), format="xlsx")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "loi-nhap.xlsx" in res.headers["content-disposition"]
    assert (res.headers["x-import-rows"], res.headers["x-import-rejected"]) == ("5", "4")
    listed, every = _sheets(res.content)
    rows = list(listed.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[:4] == ["Dòng / Row", "Loại phương tiện đo", "Số sản xuất", "Nơi sản xuất"]
    assert header[-1] == "Kết quả"
    assert [r[0].value for r in rows[1:6]] == ["3", "4", "5", "6", "7"]  # rows as Excel shows
    # Every cell is text: the formula-like serial is a string cell, never a formula.
    assert all(c.data_type == "s" for r in rows for c in r if c.value is not None)
    assert rows[3][header.index("Số sản xuất")].value == '=HYPERLINK("http://x")'
    red = {
        (r[0].value, header[i])
        for r in rows[1:]
        for i, c in enumerate(r)
        if c.fill.fgColor.rgb == RED
    }
    assert red == {
        ("4", "Ngày kiểm định"),
        ("4", "Kết quả"),
        ("5", "Loại phương tiện đo"),
        ("6", "Ngày kiểm định"),
        ("7", "Điện thoại"),
    }
    comment = rows[2][header.index("Ngày kiểm định")].comment.text
    assert comment == (
        "Ngày không hợp lệ (dd/mm/yyyy)\nInvalid date (dd/mm/yyyy or yyyy-mm-dd)\n"
        "Chấp nhận: dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 15/03/2025\n"
        "Accepted: dd/mm/yyyy or yyyy-mm-dd, e.g. 15/03/2025"
    )
    assert rows[1][0].comment is None  # a row without errors
    assert rows[0][1].comment is None  # the header
    errors = [[c.value for c in r] for r in every.iter_rows()]
    assert errors[0] == [
        "Dòng / Row",
        "Cột / Column",
        "Giá trị / Value",
        "Lý do",
        "Reason",
        "Giá trị được chấp nhận",
        "Accepted",
    ]
    assert [(e[0], e[1], e[2]) for e in errors[1:3]] == [
        ("4", "Ngày kiểm định", "32/01/2025"),
        ("4", "Kết quả", "tốt"),
    ]
    assert {e[0] for e in errors[1:]} == {"4", "5", "6", "7"}
    assert all(all(e[:5]) for e in errors[1:])


def test_the_csv_stays_the_default(client: TestClient, world: World, tmp_path: Path) -> None:
    res = _post(client, world, office_xlsx(tmp_path / "ky-anh.xlsx", ROWS))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    lines = res.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Dòng,Cột,Lý do,Reason,Giá trị"


def test_rows_without_errors_past_the_first_are_left_out_and_the_sheet_says_so(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row(f"G-{i}", due_date="") for i in range(5)]
    rows.insert(3, scale_row("B-1", due_date="", owner_phone="12"))  # row 6
    path = office_xlsx(tmp_path / "g.xlsx", rows)
    store = ErrorStore(tmp_path / "e.sqlite")
    check_file(db, ADMIN, path, every_error=store, today=TODAY)
    out = tmp_path / "report.xlsx"
    written = write_xlsx_report(out, open_table(path), store, kept=2)
    store.close()
    assert written == 3
    listed, _every = _sheets(out.read_bytes())
    values = [[c.value for c in r] for r in listed.iter_rows()]
    assert [v[0] for v in values[1:4]] == ["3", "4", "6"]
    notes = [v[0] for v in values[4:] if v and v[0]]
    assert notes[0] == (
        "Các dòng không có lỗi sau 2 dòng đầu không được đưa vào tệp này / Rows without "
        "errors after the first 2 are left out of this file"
    )
