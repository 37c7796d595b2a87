"""Printable stamp sheets, read back as a printer and a phone would: rendered, scanned, searched."""

import base64
import math
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from metrology_svc.stamps.sheet import (
    DEFAULT_FONT,
    FontMissingError,
    StampLabel,
    render_sheet,
    sheet_grid,
)
from tests.metrology_svc.stamps.test_qr import zbarimg
from tests.services import missing

ISSUER = "Chi cục TĐC Hà Tĩnh"
LONG_ISSUER = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng thành phố Hồ Chí Minh số 3"
SERIF = DEFAULT_FONT.with_name("DejaVuSerif.ttf")


def labels(count: int, *, issuer: str = ISSUER) -> list[StampLabel]:
    """Return count labels with distinct serials and stamp-sized, distinct URLs."""
    return [
        StampLabel(
            serial=f"YB-26-{i:06d}",
            valid_until=date(2028, 11, 30),
            issuer_name=issuer,
            url="https://verify.example.vn/v/"
            + base64.b32encode(i.to_bytes(4, "big") * 21 + b"\x01").decode().rstrip("="),
        )
        for i in range(count)
    ]


@pytest.fixture(autouse=True)
def _font() -> None:
    if not DEFAULT_FONT.is_file():
        missing(f"{DEFAULT_FONT} not installed (Debian package fonts-dejavu-core)")


def poppler(tool: str, *args: str | Path) -> str:
    """Run a poppler-utils tool and return its output (skips when poppler-utils is absent)."""
    if shutil.which(tool) is None:
        missing(f"{tool} not installed (Debian package poppler-utils)")
    done = subprocess.run(
        [tool, *map(str, args)], capture_output=True, text=True, timeout=120, check=True
    )
    return unicodedata.normalize("NFC", done.stdout)


def write_pdf(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return path


def test_every_qr_on_page_one_scans_at_300_dpi(tmp_path: Path) -> None:
    grid = sheet_grid()
    stamps = labels(grid.per_page + 3)
    pdf = write_pdf(tmp_path, render_sheet(stamps))
    poppler(
        "pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", "-singlefile", pdf, tmp_path / "p1"
    )

    found = zbarimg(tmp_path / "p1.png")

    assert sorted(found) == sorted(s.url.upper() for s in stamps[: grid.per_page])


def test_vietnamese_text_survives_in_the_pdf(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path, render_sheet(labels(2)))

    text = poppler("pdftotext", pdf, "-")

    assert text.count("TEM KIỂM ĐỊNH") == 2
    assert text.count(ISSUER) == 2
    assert text.count("HẠN 11/2028") == 2
    assert "YB-26-000001" in text


def test_a_thousand_labels_fill_the_expected_pages(tmp_path: Path) -> None:
    grid = sheet_grid()
    pdf = write_pdf(tmp_path, render_sheet(labels(1000)))

    info = poppler("pdfinfo", pdf)

    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert (grid.columns, grid.rows) == (6, 6)
    assert pages is not None
    assert int(pages[1]) == math.ceil(1000 / 36)
    assert re.search(r"^Page size:\s+595.276 x 841.89 pts \(A4\)$", info, re.MULTILINE)


def test_wide_labels_set_the_grid_and_still_scan(tmp_path: Path) -> None:
    grid = sheet_grid(label_width_mm=50, label_height_mm=30)
    stamps = labels(grid.per_page + 1)
    pdf = write_pdf(tmp_path, render_sheet(stamps, label_width_mm=50, label_height_mm=30))

    info = poppler("pdfinfo", pdf)
    poppler(
        "pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", "-singlefile", pdf, tmp_path / "p1"
    )

    assert (grid.columns, grid.rows) == (3, 8)
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE)
    assert sorted(zbarimg(tmp_path / "p1.png")) == sorted(s.url.upper() for s in stamps[:24])


def test_long_issuer_names_stay_inside_the_label(tmp_path: Path) -> None:
    grid = sheet_grid()
    pdf = write_pdf(tmp_path, render_sheet(labels(1, issuer=LONG_ISSUER)))

    html = poppler("pdftotext", "-bbox", pdf, "-")
    boxes = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', html)

    assert "Kỹ" in html
    assert boxes
    assert all(grid.left <= float(lo) and float(hi) <= grid.left + grid.width for lo, hi in boxes)


def test_font_path_chooses_the_embedded_font(tmp_path: Path) -> None:
    if not SERIF.is_file():
        missing(f"{SERIF} not installed (Debian package fonts-dejavu-core)")
    pdf = write_pdf(tmp_path, render_sheet(labels(1), font_path=SERIF))

    fonts = poppler("pdffonts", pdf)

    assert "DejaVuSerif" in fonts
    assert "DejaVuSans" not in fonts


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontMissingError, match="fonts-dejavu-core"):
        render_sheet(labels(1), font_path=tmp_path / "nowhere.ttf")


def test_labels_too_small_for_the_qr_are_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        render_sheet(labels(1), label_width_mm=15, label_height_mm=18)
