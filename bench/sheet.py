"""Benchmark the printable stamp sheet: 1,000 stamps to one A4 PDF (target ≤ 10 s).

python -m bench.sheet [--quick] [--n N]

Measured in the same run: the sheet as shipped (QR version and mask fixed), the same sheet
without QR codes, and the same sheet with qrcode's defaults (fit=True and the mask search), plus
the cost of one QR code each way. The baselines use fewer labels under --quick and are scaled
per label. Page 1 is rendered at 300 dpi and scanned with zbar when poppler-utils and zbar-tools
are installed. Ends with one line of JSON.
"""

import argparse
import base64
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import qrcode
from qrcode import constants

from metrology_svc.stamps import sheet
from metrology_svc.stamps.qr import Matrix, qr_matrix, qr_text
from metrology_svc.stamps.sheet import StampLabel, render_sheet, sheet_grid

TARGET_SECONDS = 10.0
TARGET_LABELS = 1000
# A signed stamp token: key id, stamp id, instrument id, valid-until, Ed25519 signature.
TOKEN_BYTES = 85


def make_labels(count: int) -> list[StampLabel]:
    """Return count labels with random stamp-length verify URLs."""
    return [
        StampLabel(
            serial=f"YB-26-{i:06d}",
            valid_until=date(2028, 11, 30),
            issuer_name="Chi cục TĐC Hà Tĩnh",
            url="https://verify.example.vn/v/"
            + base64.b32encode(os.urandom(TOKEN_BYTES)).decode().rstrip("="),
        )
        for i in range(count)
    ]


def searched_matrix(data: str) -> Matrix:
    """Build a QR the default way: qrcode picks the version and searches the 8 masks."""
    code = qrcode.QRCode(error_correction=constants.ERROR_CORRECT_M, border=0)
    code.add_data(qr_text(data))
    code.make(fit=True)
    modules: Matrix = code.modules
    return modules


def timed(fn: Callable[[], bytes]) -> tuple[float, bytes]:
    """Return the seconds fn took and what it returned."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_code_ms(build: Callable[[str], Matrix], urls: list[str]) -> float:
    """Return the mean milliseconds build takes for one QR matrix."""
    start = time.perf_counter()
    for url in urls:
        build(url)
    return (time.perf_counter() - start) * 1000 / len(urls)


def scan_page_one(pdf: bytes, labels: list[StampLabel]) -> dict[str, Any]:
    """Render page 1 at 300 dpi and count the QR codes zbar reads correctly."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return {"scanned": None, "reason": "pdftoppm or zbarimg not installed"}
    expected = {label.url.upper() for label in labels[: sheet_grid().per_page]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                "-singlefile",
                path,
                f"{tmp}/p1",
            ],
            check=True,
            timeout=120,
        )
        done = subprocess.run(
            ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", f"{tmp}/p1.png"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    found = set(done.stdout.split())
    return {"scanned": len(found & expected), "on_page": len(expected)}


def run(n: int, baseline_n: int) -> dict[str, Any]:
    """Measure the shipped sheet and its baselines; return the figures."""
    labels = make_labels(n)
    # Font loading is once a process; time it apart so every sheet below is timed alike.
    font_seconds, _ = timed(lambda: render_sheet([]))
    seconds, pdf = timed(lambda: render_sheet(labels))
    pages = math.ceil(n / sheet_grid().per_page)
    few = labels[:baseline_n]
    # The baselines swap one part of the sheet module (restored on leaving the block).
    with mock.patch.object(sheet, "_draw_qr", return_value=None):
        no_qr, _ = timed(lambda: render_sheet(few))
    with mock.patch.object(sheet, "qr_matrix", searched_matrix):
        searched, _ = timed(lambda: render_sheet(few))
    urls = [label.url for label in few[:200]]
    scale = n / baseline_n
    return {
        "labels": n,
        "seconds": round(seconds, 3),
        "font_load_seconds": round(font_seconds, 3),
        "pages": len(re.findall(rb"/Type /Page\b(?!s)", pdf)),
        "expected_pages": pages,
        "bytes": len(pdf),
        "qr_ms_per_code": round(per_code_ms(qr_matrix, urls), 3),
        "page1": scan_page_one(pdf, labels),
        "baseline": {
            "labels": baseline_n,
            "sheet_without_qr_seconds": round(no_qr * scale, 3),
            "sheet_with_searched_qr_seconds": round(searched * scale, 3),
            "searched_qr_ms_per_code": round(per_code_ms(searched_matrix, urls), 3),
        },
    }


def main() -> None:
    """Run the benchmark, print the figures, then one line of JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="baselines on 200 labels")
    parser.add_argument("--n", type=int, default=TARGET_LABELS, help="labels on the sheet")
    args = parser.parse_args()
    baseline_n = min(args.n, 200 if args.quick else args.n)
    out = run(args.n, baseline_n)
    base = out["baseline"]
    print(
        f"sheet: {out['labels']} stamps in {out['seconds']:.2f} s, {out['pages']} pages, "
        f"{out['bytes'] / 1e6:.2f} MB; QR {out['qr_ms_per_code']:.2f} ms a code"
    )
    print(f"  plus {out['font_load_seconds']:.2f} s once a process to load the fonts")
    print(f"  page 1 at 300 dpi: {out['page1']}")
    print(
        f"baseline (measured on {base['labels']} labels, scaled to {out['labels']}): "
        f"without QR {base['sheet_without_qr_seconds']:.2f} s; with qrcode's version and mask "
        f"search {base['sheet_with_searched_qr_seconds']:.2f} s "
        f"({base['searched_qr_ms_per_code']:.2f} ms a code)"
    )
    at_target = out["labels"] >= TARGET_LABELS
    out["targets"] = {
        "1000_stamps_le_10s": (out["seconds"] <= TARGET_SECONDS) if at_target else None,
        "page1_all_scanned": (out["page1"]["scanned"] == out["page1"].get("on_page"))
        if out["page1"]["scanned"] is not None
        else None,
    }
    print(json.dumps({"bench": "sheet", **out}, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    main()
