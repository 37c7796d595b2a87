"""The round printed: the XLSX working plan (content, widths, print setup) and the official
plan (KẾ HOẠCH) through the document module, rendered to PNG, on SQLite and PostgreSQL."""

import io
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.sites.models import Site
from tests.factories import World
from tests.metrology_svc.stamps.support import freeze
from tests.schedules.support import add_instrument
from tests.services import missing

API = "/api/v1/rounds"
FIRST, LAST = date(2027, 2, 1), date(2027, 2, 12)
ADDRESS = "Số 12 đường Hàm Nghi, tổ dân phố 3, phường Sông Trí, tỉnh Hà Tĩnh"
PARAMS = {"unit_code": "42", "from": FIRST.isoformat(), "to": LAST.isoformat(), "capacity": 3}


def _world(db: Session, world: World) -> None:
    market = db.get(Site, world.market_a)
    assert market is not None
    market.address = ADDRESS
    for n in range(5):
        add_instrument(
            db, world, serial=f"NHS-2019-{n:04d}", due_date=date(2027, 1, 10),
            status=InstrumentStatus.OVERDUE,
        )  # fmt: skip
    add_instrument(
        db, world, serial="TK-7", due_date=FIRST + timedelta(days=8),
        status=InstrumentStatus.IN_SERVICE, site_id=world.market_b, owner_id=world.owner_en,
    )  # fmt: skip
    db.commit()


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_is_a_working_plan(client: TestClient, db: Session, world: World) -> None:
    _world(db, world)
    r = client.get(f"{API}/export.xlsx", params=PARAMS, headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert isinstance(sheet, Worksheet)
    rows = _rows(sheet)
    assert rows[0][0] == "KẾ HOẠCH KIỂM ĐỊNH PHƯƠNG TIỆN ĐO - TỈNH HÀ TĨNH"
    assert "từ ngày 01/02/2027 đến ngày 12/02/2027" in rows[1][0]
    assert "04/02/2027" in rows[2][0]
    assert "Mùng một Tết Nguyên Đán" not in rows[2][0]  # a Saturday: no weekday lost
    assert "08/02/2027" in rows[2][0]
    assert rows[4][0] == "Kiểm định viên\n(Inspector)"
    bands = [r[0] for r in rows[5:] if r[0] and str(r[0]).startswith("Thứ")]
    # Capacity 3: Sông Trí's five over two days, Hải Ninh's one; nothing during Tết.
    assert bands == ["Thứ Hai, 01/02/2027", "Thứ Ba, 02/02/2027"]
    first = rows[6]
    assert first[:4] == ("Test inspector_a", "Phường Sông Trí", "Chợ Kỳ Anh", ADDRESS)
    assert first[4:10] == (
        1, "Cân đồng hồ lò xo", "NHS-2019-0000", "Nguyễn Thị Hoa", "Sạp thịt Hoa",
        datetime(2027, 1, 10),
    )  # fmt: skip
    assert first[10] == "Quá hạn 22 ngày"
    hai_ninh = next(r for r in rows if r[2] == "Chợ Kỳ Đồng")
    assert hai_ninh[7:11] == ("Petrolimex Hà Tĩnh", None, datetime(2027, 2, 9), "Đến hạn trong đợt")
    # The site's cells are merged down its instruments.
    assert "A7:A9" in {str(m) for m in sheet.merged_cells.ranges}


def test_xlsx_columns_and_print_setup(client: TestClient, db: Session, world: World) -> None:
    _world(db, world)
    r = client.get(f"{API}/export.xlsx", params=PARAMS, headers=world.auth("admin"))
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert isinstance(sheet, Worksheet)
    for row in sheet.iter_rows(min_row=6):
        for cell in row:
            if not hasattr(cell, "column_letter"):
                continue  # inside a merged range: its first cell carries the value
            width = sheet.column_dimensions[cell.column_letter].width
            if isinstance(cell.value, datetime):
                # dd/mm/yyyy needs 10 characters: narrower shows "###".
                assert cell.number_format == "DD/MM/YYYY"
                assert width >= 12
            elif isinstance(cell.value, int):
                assert width >= len(str(cell.value)) + 2
            elif isinstance(cell.value, str) and len(cell.value) * 1.1 > width:
                assert cell.alignment.wrap_text, (cell.coordinate, cell.value)
    for cell in sheet[5]:
        # The two-line header (Vietnamese, English) is not clipped: each line fits its column.
        width = sheet.column_dimensions[cell.column_letter].width
        assert all(len(line) * 1.1 + 1 <= width for line in str(cell.value).split("\n"))
    assert sheet.column_dimensions["D"].width <= 30  # the address wraps, the sheet stays printable
    assert sheet.row_dimensions[7].height >= 15
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize or 0)) == ("landscape", 9)  # A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$5:$5"
    assert sheet.freeze_panes == "A6"


def _pdf_text(tmp_path: Path, pdf: bytes) -> str:
    (tmp_path / "plan.pdf").write_bytes(pdf)
    subprocess.run(["pdftotext", "-layout", "plan.pdf", "plan.txt"], cwd=tmp_path, check=True)
    return (tmp_path / "plan.txt").read_text()


def test_plan_pdf_through_the_document_module(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        missing("pdftoppm / pdftotext (Debian poppler-utils) are not installed")
    _world(db, world)
    freeze(client, date(2027, 1, 20))
    r = client.get(f"{API}/plan.pdf", params=PARAMS, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = " ".join(_pdf_text(tmp_path, r.content).split())
    for words in (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Số: 1/KH-SKHCN",
        "Hà Tĩnh, ngày 20 tháng 01 năm 2027",
        "KẾ HOẠCH",
        "Kiểm định phương tiện đo từ ngày 01/02/2027 đến ngày 12/02/2027",
        "Căn cứ Luật Đo lường",
        "tại tỉnh Hà Tĩnh",
        "- Ủy ban nhân dân phường Hải Ninh",
        "Thứ Hai, 01/02/2027: phường Hải Ninh, phường Sông Trí",
        "NHS-2019-0000",
        "Petrolimex",
        "08/02/2027 (Mùng ba Tết Nguyên Đán)",
        "GIÁM ĐỐC",
    ):
        assert words in text, words
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "plan.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=120,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 10_000
    # A reprint keeps its number; a viewer may read the round but not issue the plan.
    again = client.get(f"{API}/plan.pdf", params=PARAMS, headers=world.auth("admin"))
    assert "Số: 1/KH-SKHCN" in " ".join(_pdf_text(tmp_path, again.content).split())
    viewer = client.get(f"{API}/plan.pdf", params=PARAMS, headers=world.auth("viewer"))
    assert viewer.status_code == 403


def test_an_empty_round_still_prints(client: TestClient, world: World) -> None:
    params = {**PARAMS, "unit_code": "18781"}
    sheet = client.get(f"{API}/export.xlsx", params=params, headers=world.auth("admin"))
    assert sheet.status_code == 200
    rows = _rows(load_workbook(io.BytesIO(sheet.content)).active)
    assert len(rows) == 5  # title, window, days off, blank, header
    pdf = client.get(f"{API}/plan.pdf", params=params, headers=world.auth("inspector_b"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
