"""The report as XLSX (sheets, Vietnamese headers, a chart) and PDF (text survives)."""

import io
import shutil
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.stamps.support import API
from tests.services import missing

PARAMS = {"unit_code": "18754", "year": 2026}


def test_xlsx_has_a_sheet_per_section_and_a_chart(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    r = client.get(f"{API}/reports/yearly.xlsx", params=PARAMS, headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "bao-cao-do-luong-18754-2026.xlsx" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "Tổng hợp",
        "Kiểm định theo loại",
        "Hình thức kiểm định",
        "Đến hạn - quá hạn",
        "Cân đối chứng",
        "Kiểm tra",
        "Kết quả kiểm tra",
        "Kiểm tra theo loại cơ sở",
        "Tem kiểm định",
        "Đánh giá - nhiệm vụ",
    ]
    summary = [c.value for row in wb["Tổng hợp"].iter_rows() for c in row if c.value is not None]
    assert "BÁO CÁO CÔNG TÁC QUẢN LÝ ĐO LƯỜNG NĂM 2026" in summary
    assert summary[0] == "ỦY BAN NHÂN DÂN – PHƯỜNG SÔNG TRÍ"  # the commune issues it
    by_type = wb["Kiểm định theo loại"]
    rows = [[c.value for c in row] for row in by_type.iter_rows(min_row=2)]
    assert rows[0] == [
        "Loại phương tiện đo",
        "Mã loại",
        "Số lượt kiểm định",
        "Số phương tiện đo",
        "Đạt",
        "Không đạt",
        "Tỷ lệ đạt (%)",
    ]
    assert rows[1:] == [  # by type code
        ["Cột đo xăng dầu", "fuel_dispenser", 1, 1, 1, 0, 100.0],
        ["Cân đồng hồ lò xo", "scale_spring_dial", 2, 2, 1, 1, 50.0],
        ["Tổng cộng", None, 3, 3, 2, 1, 66.7],
    ]
    charts = by_type._charts  # openpyxl keeps a sheet's charts there
    assert len(charts) == 1
    control = {row[0].value: row[1].value for row in wb["Cân đối chứng"].iter_rows(min_row=3)}
    assert control["Số lượt phát hiện cân thiếu"] == 2
    assert control["Tổng khối lượng thiếu (g)"] == 50.5
    assert control["Số lượt chênh lệch theo bảng tham khảo (không phải bằng chứng)"] == 1


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """Return the text of a PDF (pdftotext)."""
    if shutil.which("pdftotext") is None:
        missing("pdftotext is not installed (Debian package poppler-utils)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, timeout=30, text=True
    ).stdout


def test_pdf_keeps_vietnamese_text_and_numbers(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    make_year(client, db, world)
    r = client.get(f"{API}/reports/yearly.pdf", params=PARAMS, headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = pdf_text(r.content, tmp_path)
    pdf = tmp_path / "report.pdf"
    for phrase in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        # The commune's people's committee issues it, signs it and reports to the department.
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG SÔNG TRÍ",
        "/BC-UBND",
        "Sông Trí, ngày",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "- Sở Khoa học và Công nghệ tỉnh Hà Tĩnh;",
        "BÁO CÁO",
        "Kết quả công tác quản lý nhà nước về đo lường năm 2026",
        "Kính gửi: Sở Khoa học và Công nghệ tỉnh Hà Tĩnh",
        "Báo cáo kết quả quản lý phương tiện đo nhóm 2",
        "I. KẾT QUẢ THỰC HIỆN",
        "1. Kiểm định phương tiện đo nhóm 2",
        "3. Kiểm tra nhà nước về đo lường",
        "Cửa hàng xăng dầu",
        "5. Tem kiểm định",
        "II. ĐÁNH GIÁ CHUNG",
        "2. Tồn tại, hạn chế và nguyên nhân",
        "III. NHIỆM VỤ, GIẢI PHÁP TRONG THỜI GIAN TỚI VÀ KIẾN NGHỊ",
        "Cân đồng hồ lò xo",
        "Hỏng dấu niêm phong, kẹp chì",
        "Kết quả kiểm định theo loại",  # the chart's title
        "tỷ lệ đạt 66,7 %",
        "50,5",
    ]:
        assert phrase in text, phrase
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, check=True, timeout=30, text=True
    ).stdout
    assert "LiberationSerif" in fonts  # the document module's Times-metric serif, embedded
