"""Printable stamp sheets: A4 pages of labels with the QR code, serial, valid-until and issuer.

The QR is drawn as vector rectangles in module units (one filled path a code), which is faster
and smaller than embedding an image and stays sharp at any printer resolution. Text uses an
embedded TrueType font, because reportlab's built-in fonts have no Vietnamese glyphs.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from metrology_svc.stamps.qr import QUIET_ZONE, dark_runs, qr_matrix

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TITLE = "TEM KIỂM ĐỊNH"
# Sticker sheets: at least this much paper around the grid and between labels (mm).
PAGE_MARGIN_X_MM = 8.0
PAGE_MARGIN_Y_MM = 10.0
GAP_MM = 2.0
PADDING_MM = 1.6
FRAME_INSET_MM = 0.3
# Labels this much wider than tall get the QR beside the text instead of above it.
LANDSCAPE_RATIO = 1.2
# Below this a module no longer prints and scans reliably on an office laser printer.
MIN_MODULE_MM = 0.3
# Font sizes in points: (largest, smallest) before text is shrunk to the label width.
TITLE_PT = (7.0, 4.0)
VALID_PT = (11.0, 6.0)
SERIAL_PT = (6.5, 4.0)
ISSUER_PT = (5.5, 3.5)
# DejaVu Sans, in ems: room above capitals with stacked Vietnamese marks (Ể), below the dot
# of Ạ and Ị, and the height of capitals and of lowercase with a tilde (ĩ).
ASCENT = 0.95
DESCENT = 0.24
CAP_HEIGHT = 0.78
LINE_GAP = 0.8  # points
DOT = 72 / 300  # one dot of a 300 dpi printer, in points

_fonts: dict[Path, tuple[str, str]] = {}


class FontMissingError(FileNotFoundError):
    """The TrueType font for the sheet is not installed."""


@dataclass(frozen=True, slots=True)
class StampLabel:
    """What one printed label shows."""

    serial: str
    valid_until: date
    issuer_name: str
    url: str


@dataclass(frozen=True, slots=True)
class SheetGrid:
    """Where labels sit on a page (points, origin bottom-left)."""

    columns: int
    rows: int
    left: float
    top: float
    width: float
    height: float
    gap: float

    @property
    def per_page(self) -> int:
        """Return how many labels fit on one page."""
        return self.columns * self.rows


def sheet_grid(*, label_width_mm: float = 30.0, label_height_mm: float = 40.0) -> SheetGrid:
    """Return the grid of labels on an A4 page, centred between the minimum margins."""
    page_w, page_h = A4
    width, height, gap = label_width_mm * mm, label_height_mm * mm, GAP_MM * mm
    columns = math.floor((page_w - 2 * PAGE_MARGIN_X_MM * mm + gap) / (width + gap))
    rows = math.floor((page_h - 2 * PAGE_MARGIN_Y_MM * mm + gap) / (height + gap))
    if columns < 1 or rows < 1:
        raise ValueError(
            f"a {label_width_mm} x {label_height_mm} mm label does not fit on an A4 page"
        )
    used_w = columns * width + (columns - 1) * gap
    used_h = rows * height + (rows - 1) * gap
    left = (page_w - used_w) / 2
    top = page_h - (page_h - used_h) / 2
    return SheetGrid(columns, rows, left, top, width, height, gap)


def _register_fonts(font_path: Path | None) -> tuple[str, str]:
    # Registered lazily and once per process: parsing a TrueType file takes tens of ms.
    regular = font_path or DEFAULT_FONT
    if regular in _fonts:
        return _fonts[regular]
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    if not regular.is_file():
        raise FontMissingError(
            f"TrueType font with Vietnamese glyphs not found at {regular}: install the Debian "
            "package fonts-dejavu-core or pass font_path"
        )
    # Names unique per file: reportlab's font registry is process-wide and keyed by name.
    names = (f"Stamp{len(_fonts)}-{regular.stem}", f"Stamp{len(_fonts)}-{regular.stem}-Bold")
    pdfmetrics.registerFont(TTFont(names[0], str(regular)))
    pdfmetrics.registerFont(TTFont(names[1], str(bold if bold.is_file() else regular)))
    _fonts[regular] = names
    return names


def _fit_size(text: str, font: str, sizes: tuple[float, float], width: float) -> float:
    largest, smallest = sizes
    natural = float(pdfmetrics.stringWidth(text, font, largest))
    if natural <= width:
        return largest
    return max(smallest, largest * width / natural)


def _clip(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _issuer_lines(name: str, font: str, width: float) -> tuple[list[str], float]:
    # Office names run long ("Chi cục Tiêu chuẩn Đo lường Chất lượng ..."): shrink, then wrap
    # onto two lines, then cut the second line short rather than print past the label.
    size = _fit_size(name, font, ISSUER_PT, width)
    if pdfmetrics.stringWidth(name, font, size) <= width:
        return [name], size
    size = ISSUER_PT[1]
    first, *rest = simpleSplit(name, font, size, width) or [name]
    lines = [_clip(first, font, size, width)]
    if rest:
        lines.append(_clip(" ".join(rest), font, size, width))
    return lines, size


def _draw_qr(canvas: Canvas, url: str, *, x: float, y: float, side: float) -> None:
    # Module units with y growing downwards, so each dark run is "x y w 1 re" in integers.
    matrix = qr_matrix(url)
    modules = len(matrix) + 2 * QUIET_ZONE
    # Whole printer dots a module, on the page's dot grid (from the top-left corner, where
    # rasterisers start): modules print without grey, uneven edges at 300 and 600 dpi.
    unit = math.floor(side / modules / DOT) * DOT
    x = round((x + (side - unit * modules) / 2) / DOT) * DOT
    top = A4[1] - (y + side - (side - unit * modules) / 2)
    y = A4[1] - round(top / DOT) * DOT - unit * modules
    side = unit * modules
    if unit < MIN_MODULE_MM * mm:
        raise ValueError(
            f"label too small: QR modules of {unit / mm:.2f} mm (minimum {MIN_MODULE_MM} mm)"
        )
    ops = [
        f"{col + QUIET_ZONE} {row + QUIET_ZONE} {n} 1 re"
        for row, cells in enumerate(matrix)
        for col, n in dark_runs(cells)
    ]
    canvas.saveState()
    canvas.transform(unit, 0, 0, -unit, x, y + side)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def _draw_text(canvas: Canvas, text: str, *, font: str, size: float, x: float, y: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)


Line = tuple[str, str, float]  # text, font, size


def _text_lines(label: StampLabel, fonts: tuple[str, str], width: float) -> list[Line]:
    # Bottom to top: issuer (one or two lines), serial, valid-until, and the title last.
    regular, bold = fonts
    until = f"HẠN {label.valid_until.month:02d}/{label.valid_until.year}"
    issuer, issuer_size = _issuer_lines(label.issuer_name, regular, width)
    lines = [(text, regular, issuer_size) for text in reversed(issuer)]
    lines.append((label.serial, regular, _fit_size(label.serial, regular, SERIAL_PT, width)))
    lines.append((until, bold, _fit_size(until, bold, VALID_PT, width)))
    lines.append((TITLE, bold, _fit_size(TITLE, bold, TITLE_PT, width)))
    return lines


def _stack(canvas: Canvas, lines: list[Line], *, centre: float, bottom: float) -> float:
    # Draw lines upwards from bottom; return the top of the last one.
    line = bottom
    for text, font, size in lines:
        baseline = line + DESCENT * size
        _draw_text(canvas, text, font=font, size=size, x=centre, y=baseline)
        line = baseline + CAP_HEIGHT * size + LINE_GAP
    return line


def _draw_label(
    canvas: Canvas,
    label: StampLabel,
    *,
    x: float,
    y: float,
    grid: SheetGrid,
    fonts: tuple[str, str],
) -> None:
    # (x, y) is the label's bottom-left corner. Upright labels put the QR between the title
    # and the other lines; wide ones put it on the left, full height, and the text beside it.
    # The QR's quiet zone is its own margin, so its box may reach the frame.
    pad, edge = PADDING_MM * mm, FRAME_INSET_MM * mm
    canvas.setLineWidth(0.4)
    canvas.roundRect(x + edge, y + edge, grid.width - 2 * edge, grid.height - 2 * edge, 4)
    if grid.width > LANDSCAPE_RATIO * grid.height:
        side = grid.height - 4 * edge
        left = x + 2 * edge + side
        width = x + grid.width - pad - left
        lines = _text_lines(label, fonts, width)
        height = sum((DESCENT + CAP_HEIGHT) * size + LINE_GAP for _, _, size in lines)
        _stack(canvas, lines, centre=left + width / 2, bottom=y + (grid.height - height) / 2)
        _draw_qr(canvas, label.url, x=x + 2 * edge, y=y + 2 * edge, side=side)
        return
    *lines, (title, bold, size) = _text_lines(label, fonts, grid.width - 2 * pad)
    centre = x + grid.width / 2
    low = _stack(canvas, lines, centre=centre, bottom=y + pad)
    baseline = y + grid.height - pad - ASCENT * size
    _draw_text(canvas, title, font=bold, size=size, x=centre, y=baseline)
    high = baseline - DESCENT * size
    side = min(grid.width - 4 * edge, high - low)
    _draw_qr(canvas, label.url, x=centre - side / 2, y=low + (high - low - side) / 2, side=side)


def render_sheet(
    labels: Sequence[StampLabel],
    *,
    label_width_mm: float = 30.0,
    label_height_mm: float = 40.0,
    font_path: Path | None = None,
) -> bytes:
    """Return a PDF of A4 pages holding one printed label per stamp, in order."""
    fonts = _register_fonts(font_path)
    grid = sheet_grid(label_width_mm=label_width_mm, label_height_mm=label_height_mm)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle("Tem kiểm định / Verification stamps")
    for index, label in enumerate(labels):
        slot = index % grid.per_page
        if slot == 0 and index > 0:
            canvas.showPage()
        row, col = divmod(slot, grid.columns)
        x = grid.left + col * (grid.width + grid.gap)
        y = grid.top - (row + 1) * grid.height - row * grid.gap
        _draw_label(canvas, label, x=x, y=y, grid=grid, fonts=fonts)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
