"""QR codes for stamps: the verify URL in alphanumeric mode, as a matrix, PNG or SVG.

`qrcode` spends most of its time searching the version and the mask (about 13 ms a code);
every stamp URL has the same length, so the version follows from the length alone and the
mask is fixed once (see MASK_PATTERN), which brings a code under 2 ms.
"""

import io
import re
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode import constants, util

ERROR_CORRECTION = constants.ERROR_CORRECT_M
EC_LEVEL = "M"
MAX_VERSION = 10
QUIET_ZONE = 4
# Mask 3 had the lowest mean penalty (ISO 18004 "lost points") over 200 random stamp URLs at
# version 7/M; every mask is valid to a decoder, so one fixed choice costs nothing in reading.
MASK_PATTERN = 3

_ALNUM = re.compile(r"^[0-9A-Z $%*+\-./:]*$")
_URL = re.compile(r"^(https?)://([^/?#]*)(.*)$", re.IGNORECASE)

Matrix = list[list[bool]]
# bytes(row) of a matrix row gives 1 for dark, 0 for light; grey level 0 is black.
_DARK_TO_BLACK = bytes([255, 0]) + bytes(254)


def qr_text(data: str) -> str:
    """Return the text a QR code carries for data: an http(s) URL is uppercased when it can be.

    Scheme and host are case-insensitive (RFC 3986), and the stamp route accepts /V/ and any
    case of the code, so an uppercase URL keeps its meaning and fits the alphanumeric mode,
    which takes 5.5 bits a character instead of 8.
    """
    match = _URL.match(data)
    if match is None:
        return data
    upper = data.upper()
    if _ALNUM.match(upper):
        return upper
    scheme, host, rest = match.groups()
    return f"{scheme.upper()}://{host.upper()}{rest}"


def _data_bits(length: int, *, alphanumeric: bool, version: int) -> int:
    # Mode indicator, character count, then the payload (ISO 18004 §7.4).
    if alphanumeric:
        count_bits = 9 if version <= 9 else 11
        return 4 + count_bits + 11 * (length // 2) + 6 * (length % 2)
    count_bits = 8 if version <= 9 else 16
    return 4 + count_bits + 8 * length


@lru_cache(maxsize=64)
def version_for(length: int, *, alphanumeric: bool) -> int:
    """Return the smallest QR version (≤ MAX_VERSION) holding length characters at level M."""
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECTION]
    for version in range(1, MAX_VERSION + 1):
        if _data_bits(length, alphanumeric=alphanumeric, version=version) <= limits[version]:
            return version
    mode = "alphanumeric" if alphanumeric else "byte"
    raise ValueError(
        f"QR data too long: {length} characters in {mode} mode do not fit "
        f"QR version {MAX_VERSION} at error correction {EC_LEVEL}"
    )


def qr_matrix(data: str) -> Matrix:
    """Return the QR modules of data (True = dark), without the quiet zone."""
    text = qr_text(data)
    alphanumeric = bool(_ALNUM.match(text))
    payload = text.encode("utf-8")
    version = version_for(len(payload), alphanumeric=alphanumeric)
    code = qrcode.QRCode(
        version=version,
        error_correction=ERROR_CORRECTION,
        border=0,
        mask_pattern=MASK_PATTERN,
    )
    mode = util.MODE_ALPHA_NUM if alphanumeric else util.MODE_8BIT_BYTE
    code.add_data(util.QRData(payload, mode=mode))
    code.make(fit=False)
    modules: Matrix = code.modules
    return modules


def qr_png(data: str, *, scale: int = 8) -> bytes:
    """Return data as a 1-bit PNG QR code, scale pixels a module, with a 4-module quiet zone."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    matrix = qr_matrix(data)
    side = len(matrix) + 2 * QUIET_ZONE
    blank = b"\xff" * side
    margin = b"\xff" * QUIET_ZONE
    rows = [blank] * QUIET_ZONE
    rows += [margin + bytes(row).translate(_DARK_TO_BLACK) + margin for row in matrix]
    rows += [blank] * QUIET_ZONE
    image = Image.frombytes("L", (side, side), b"".join(rows)).convert(
        "1", dither=Image.Dither.NONE
    )
    if scale > 1:
        image = image.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """Return the (start, length) of each horizontal run of dark modules in row."""
    runs: list[tuple[int, int]] = []
    start = -1
    for x, dark in enumerate(row):
        if dark and start < 0:
            start = x
        elif not dark and start >= 0:
            runs.append((start, x - start))
            start = -1
    if start >= 0:
        runs.append((start, len(row) - start))
    return runs


def qr_svg(data: str) -> bytes:
    """Return data as an SVG QR code: one path in module units, with a 4-module quiet zone."""
    matrix = qr_matrix(data)
    side = len(matrix) + 2 * QUIET_ZONE
    parts = [
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{n}v1h-{n}z"
        for y, row in enumerate(matrix)
        for x, n in dark_runs(row)
    ]
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{side * 4}" height="{side * 4}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>'
    )
    return svg.encode("utf-8")
