"""The minutes and the result notice of a whole inspection, printed, rendered to PNG and read
back: words and where they stand, nothing outside the frame, no paragraph twice, numbers from
the register, both signature blocks on the minutes. The PNGs stay under the test's tmp dir."""

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.documents.render import MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP
from tests.factories import World
from tests.metrology_svc.inspections.flow import run
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.stamps.support import API
from tests.services import missing

pdfplumber = pytest.importorskip("pdfplumber")


def _png(pdf: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm is not installed (Debian package poppler-utils)")
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)], check=True, timeout=60)
    found = sorted(pdf.parent.glob(f"{prefix.name}*.png"))
    assert found, "pdftoppm wrote no image"
    assert found[0].stat().st_size > 10_000
    return found[0]


def _fetch(client: TestClient, world: World, insp: int, name: str, tmp: Path) -> Path:
    r = client.get(f"{API}/inspections/{insp}/{name}", headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    path = tmp / name
    path.write_bytes(r.content)
    _png(path)
    return path


def _read(path: Path) -> tuple[str, list[list[dict[str, Any]]], float]:
    """Return the text, each page's words, and the page width; check every word's place."""
    with pdfplumber.open(path) as pdf:
        pages = [list(p.extract_words()) for p in pdf.pages]
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        width, height = float(pdf.pages[0].width), float(pdf.pages[0].height)
    for w in (w for page in pages for w in page):
        assert w["x0"] >= MARGIN_LEFT - 0.5, f"{w['text']!r} left of the margin"
        assert w["x1"] <= width - MARGIN_RIGHT + 0.5, f"{w['text']!r} right of the margin"
        assert w["top"] >= MARGIN_TOP - 0.5, f"{w['text']!r} above the margin"
        assert w["bottom"] <= height - MARGIN_BOTTOM + 0.5, f"{w['text']!r} below the margin"
    # No paragraph printed twice: no long line appears twice (a table's header row repeats on
    # the page it continues on, as it should).
    lines = Counter(
        line for line in text.splitlines() if len(line) > 40 and not line.startswith("TT ")
    )
    assert [line for line, n in lines.items() if n > 1] == []
    return text, pages, width


def _find(words: list[dict[str, Any]], phrase: str) -> tuple[float, float, float]:
    tokens = phrase.split()
    for i in range(len(words) - len(tokens) + 1):
        run_ = words[i : i + len(tokens)]
        if [w["text"] for w in run_] == tokens:
            return run_[0]["top"], min(w["x0"] for w in run_), max(w["x1"] for w in run_)
    raise AssertionError(f"{phrase!r} not found")


def test_minutes_and_result_notice(client: TestClient, world: World, tmp_path: Path) -> None:
    flow = run(client, world)
    insp = flow.inspection["id"]
    minutes = _fetch(client, world, insp, "minutes.pdf", tmp_path)
    text, pages, width = _read(minutes)
    flat = " ".join(text.split())
    for words in (
        "BIÊN BẢN",
        "Số: 1/BB-SKHCN",
        "Hà Tĩnh, ngày 22 tháng 11 năm 2026",
        "Căn cứ Quyết định số 1/QĐ-SKHCN ngày 16 tháng 11 năm 2026",
        # Table cells wrap, so only what fits one line of a cell is looked for there.
        "KTV-042-2025",
        "Đội Quản lý thị",
        "Bên được kiểm tra: Nguyễn",
        "Kẹp chì, niêm phong bị phá",
        "Tem kiểm định bị tẩy xóa,",
        "(vàng trang sức)",
        "Không được sử dụng",
        "Số niêm phong: NP-0012,",
        "thời hạn: 07/12/2026;",
        "kiểm định sau sửa chữa",
        "Đề nghị lập biên bản vi",
        "II. Kiểm tra lượng của phép đo",
        "Cân lại hàng bán lẻ:",
        "1000 g 990 g",
        "từ chối ký biên bản",
        "Bảy phương tiện đo vi phạm",
    ):
        assert words in flat, words
    assert "Kính gửi" not in text  # minutes are addressed to nobody
    assert "Nơi nhận" not in text
    # Both signature blocks on one line at the foot: the party's left, the leader's right.
    last = pages[-1]
    party_top, p_left, p_right = _find(last, "ĐẠI DIỆN BÊN ĐƯỢC KIỂM TRA")
    leader_top, l_left, l_right = _find(last, "TRƯỞNG ĐOÀN KIỂM TRA")
    assert abs(party_top - leader_top) < 2
    assert (p_left + p_right) / 2 < width / 2 < (l_left + l_right) / 2
    name_top, left, right = _find(last, "Lê Văn Hùng")
    assert name_top > leader_top + 40
    assert (left + right) / 2 > width / 2
    refused_top, left, _ = _find(last, "(Từ chối ký)")
    assert abs(refused_top - name_top) < 2
    assert left < width / 2
    # A reprint keeps its number.
    again = client.get(f"{API}/inspections/{insp}/minutes.pdf", headers=world.auth("viewer"))
    assert "Số: 1/BB-SKHCN" in _read_bytes(again.content, tmp_path / "again.pdf")

    notice = _fetch(client, world, insp, "result-notice.pdf", tmp_path)
    text, pages, width = _read(notice)
    flat = " ".join(text.split())
    for words in (
        "THÔNG BÁO",
        "Số: 1/TB-SKHCN",
        "V/v kết quả kiểm tra nhà nước về đo lường",
        "Kính gửi: Nguyễn",
        "Thực hiện Quyết định số 1/QĐ-SKHCN",
        "Lê Văn Hùng làm trưởng đoàn",
        "Số lượt phương tiện đo được kiểm tra: 8",
        "Tạm dừng sử dụng",
        "chỉ được sử dụng lại trong mua bán sau khi được kiểm định đạt yêu cầu",
        "PHÓ GIÁM ĐỐC",
        "Trần Văn Bình",
        "Nơi nhận:",
    ):
        assert words in flat, words
    _top, left, right = _find(pages[-1], "PHÓ GIÁM ĐỐC")
    assert (left + right) / 2 > width / 2


def _read_bytes(content: bytes, path: Path) -> str:
    path.write_bytes(content)
    return _read(path)[0]


def test_papers_wait_for_the_close_and_the_scope(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    insp = open_inspection(client, world)["id"]
    for name in ("minutes.pdf", "result-notice.pdf"):
        url = f"{API}/inspections/{insp}/{name}"
        r = client.get(url, headers=world.auth("inspector_a"))
        assert r.status_code == 409
        assert r.json()["error"]["message_vi"]
        assert client.get(url, headers=world.auth("inspector_b")).status_code == 403
        assert (
            client.get(f"{API}/inspections/999999/{name}", headers=world.auth("admin")).status_code
            == 404
        )
