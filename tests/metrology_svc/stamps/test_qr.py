"""QR codes for stamps, read back by an independent decoder (zbar) and by the ISO 18004 layout."""

import base64
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from metrology_svc.stamps.qr import qr_png, qr_svg, qr_text
from tests.services import missing

BASE = "https://verify.example.vn/v/"
# A stamp token: key id, stamp id, instrument id, valid-until and an Ed25519 signature.
TOKEN = base64.b32encode(bytes(range(85))).decode().rstrip("=")
URL = BASE + TOKEN
# ISO 18004 §7.9: the 5 data bits of the format information are masked with 10101; the first
# two give the error correction level.
FORMAT_MASK = 0b10101
EC_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}


def zbarimg(*paths: Path) -> list[str]:
    """Return the QR texts zbar finds in the images (skips when zbar-tools is absent)."""
    if shutil.which("zbarimg") is None:
        missing("zbarimg not installed (Debian package zbar-tools)")
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Exit status 4 means "no symbol found", which the assertions then report.
    assert done.returncode in (0, 4), done.stderr
    return [line for line in done.stdout.splitlines() if line]


def png_modules(png: bytes) -> list[list[bool]]:
    """Return the dark modules of a PNG QR code made at scale 8 with a 4-module quiet zone."""
    image = Image.open(io.BytesIO(png)).convert("L")
    side = image.width // 8
    return [
        [image.getpixel((x * 8 + 4, y * 8 + 4)) == 0 for x in range(4, side - 4)]
        for y in range(4, side - 4)
    ]


def ec_level(modules: list[list[bool]]) -> str:
    """Return the error correction level read from both copies of the format information."""
    n = len(modules)
    beside_finder = [modules[8][col] for col in range(5)]
    below_finder = [modules[n - 1 - i][8] for i in range(5)]
    assert beside_finder == below_finder
    bits = int("".join("1" if dark else "0" for dark in beside_finder), 2) ^ FORMAT_MASK
    return EC_LEVELS[bits >> 3]


def test_png_decodes_to_the_uppercase_url(tmp_path: Path) -> None:
    path = tmp_path / "stamp.png"
    path.write_bytes(qr_png(URL))

    assert zbarimg(path) == [URL.upper()]


def test_png_is_one_bit_with_a_four_module_quiet_zone() -> None:
    image = Image.open(io.BytesIO(qr_png(URL, scale=3)))
    modules = png_modules(qr_png(URL))

    assert image.mode == "1"
    assert image.width == image.height == (len(modules) + 8) * 3
    assert image.convert("L").crop((0, 0, image.width, 12)).getextrema() == (255, 255)


def test_stamp_url_fits_version_10_at_level_m() -> None:
    modules = png_modules(qr_png(URL))
    version = (len(modules) - 17) // 4

    assert len(modules) == 17 + 4 * version
    assert version <= 10
    assert ec_level(modules) == "M"


def test_every_stamp_gets_the_same_version() -> None:
    other = BASE + base64.b32encode(bytes(range(100, 185))).decode().rstrip("=")

    assert len(png_modules(qr_png(URL))) == len(png_modules(qr_png(other)))


def test_too_long_data_raises_a_clear_error() -> None:
    with pytest.raises(ValueError, match="too long"):
        qr_png(BASE + "A" * 400)


def test_scale_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        qr_png(URL, scale=0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("https://verify.example.vn/v/abc234", "HTTPS://VERIFY.EXAMPLE.VN/V/ABC234"),
        ("HTTP://Host:8000/v/AB", "HTTP://HOST:8000/V/AB"),
        # Outside the alphanumeric set the path keeps its case; scheme and host never matter.
        ("https://Verify.Example.vn/v/AB?x=y", "HTTPS://VERIFY.EXAMPLE.VN/v/AB?x=y"),
        ("not a url", "not a url"),
    ],
)
def test_qr_text_uppercases_urls_where_case_does_not_matter(data: str, expected: str) -> None:
    assert qr_text(data) == expected


def test_non_alphanumeric_text_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "text.png"
    path.write_bytes(qr_png("Tem kiểm định số 12"))

    assert zbarimg(path) == ["Tem kiểm định số 12"]


def test_svg_is_well_formed_and_draws_the_png_modules() -> None:
    root = ET.fromstring(qr_svg(URL))  # noqa: S314 (our own output, not untrusted input)
    modules = png_modules(qr_png(URL))
    path = root.find("{http://www.w3.org/2000/svg}path")

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == f"0 0 {len(modules) + 8} {len(modules) + 8}"
    assert path is not None
    drawn = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.get("d", "")):
        drawn |= {(int(y) - 4, int(x) - 4 + i) for i in range(int(n))}
    dark = {(y, x) for y, row in enumerate(modules) for x, on in enumerate(row) if on}
    assert drawn == dark
