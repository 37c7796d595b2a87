"""The report's PDF as the document module lays it out: rendered to PNG, text and positions
checked with pdfplumber (heading columns, sections in order, every table inside the frame)."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.stamps.support import API
from tests.services import missing

pdfplumber = pytest.importorskip("pdfplumber")

MM = 72 / 25.4
# Decree 30/2020 margins as documents.render draws them: 30 mm left, 15 mm right.
LEFT, RIGHT = 30 * MM, (210 - 15) * MM
PERIOD = {"unit_code": "18754", "period_from": "2021-01-01", "period_to": "2025-12-31"}


def _png(pdf: Path) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm is not installed (Debian package poppler-utils)")
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(prefix)], check=True, timeout=60)
    pages = sorted(pdf.parent.glob(f"{prefix.name}-*.png"))
    assert pages
    assert all(p.stat().st_size > 5000 for p in pages)
    return pages


def _find(pages: list[Any], text: str) -> tuple[int, float, float]:
    """Return (page, top, x0) of the first place a text is printed."""
    for number, page in enumerate(pages):
        for match in page.search(text, regex=False):
            return number, float(match["top"]), float(match["x0"])
    raise AssertionError(f"{text!r} is not in the PDF")


def test_the_report_renders_inside_the_frame_in_the_offices_order(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    make_year(client, db, world)
    texts = {
        "unit_code": "18754",
        "period_from": "2021-01-01",
        "period_to": "2025-12-31",
        "achievements": "Duy trì hệ thống cân đối chứng tại chợ Sông Trí.",
        "shortcomings": "Cán bộ cấp cơ sở kiêm nhiệm.",
        "next_steps": "Kiểm tra cửa hàng vàng bạc, xăng dầu theo kế hoạch năm.",
        "proposals": "",
    }
    assert client.put(f"{API}/reports/texts", json=texts, headers=world.auth("admin")).is_success
    assert client.post(
        f"{API}/reports/issue", params=PERIOD, headers=world.auth("admin")
    ).is_success
    r = client.get(f"{API}/reports/yearly.pdf", params=PERIOD, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    pdf = tmp_path / "bao-cao.pdf"
    pdf.write_bytes(r.content)
    _png(pdf)
    with pdfplumber.open(pdf) as doc:
        pages = list(doc.pages)
        for page in pages:
            for shape in [*page.rects, *page.lines, *page.chars]:
                assert shape["x0"] >= LEFT - 1, shape.get("text")
                assert shape["x1"] <= RIGHT + 1, shape.get("text")
        # The heading's columns meet 72 mm into the frame, the foot's at 45 % of it.
        middle, foot = LEFT + 72 * MM, LEFT + 0.45 * (RIGHT - LEFT)
        # Heading: the issuer on the left, the national name on the right, on one band.
        issuer, nation = _find(pages, "ỦY BAN NHÂN DÂN"), _find(pages, "CỘNG HÒA XÃ HỘI")
        assert issuer[0] == nation[0] == 0
        assert issuer[2] < middle < nation[2]
        assert abs(issuer[1] - nation[1]) < 3
        assert _find(pages, "Số: 1/BC-UBND")[2] < middle
        # Then the title and the sections in the seeds' order, the office's texts inside.
        order = [
            "BÁO CÁO",
            "Kết quả công tác quản lý nhà nước về đo lường giai đoạn 2021-2025",
            "Kính gửi: Sở Khoa học và Công nghệ tỉnh Hà Tĩnh",
            "I. KẾT QUẢ THỰC HIỆN",
            "1. Kiểm định phương tiện đo nhóm 2",
            "2. Phương tiện đo đến hạn, quá hạn kiểm định",
            "3. Kiểm tra nhà nước về đo lường",
            "4. Cân đối chứng tại các chợ",
            "5. Tem kiểm định",
            "II. ĐÁNH GIÁ CHUNG",
            "1. Kết quả đạt được",
            "Duy trì hệ thống cân đối chứng tại chợ Sông Trí.",
            "2. Tồn tại, hạn chế và nguyên nhân",
            "III. NHIỆM VỤ, GIẢI PHÁP",
            "Kiểm tra cửa hàng vàng bạc, xăng dầu theo kế hoạch năm.",
            "2. Kiến nghị, đề xuất",
            "Trên đây là báo cáo",
        ]
        found = [_find(pages, text)[:2] for text in order]
        assert found == sorted(found), list(zip(order, found, strict=True))
        # The foot: "Nơi nhận" on the left, the committee's signature on the right.
        sent, sign = _find(pages, "Nơi nhận:"), _find(pages, "TM. ỦY BAN NHÂN DÂN")
        assert sent[0] == sign[0]
        assert sent[2] < foot < sign[2]
        assert _find(pages, "- Sở Khoa học và Công nghệ tỉnh Hà Tĩnh;")[2] < foot
