"""Fonts with Vietnamese glyphs for the PDFs reportlab draws (letters, yearly reports)."""

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@lru_cache(maxsize=1)
def serif_fonts() -> tuple[str, str]:
    """Register DejaVu Serif (regular and bold) with reportlab once; return their names."""
    # Built-in PDF fonts have no Vietnamese glyphs; DejaVu has them. Registered on first use,
    # never at import time: parsing a TrueType file takes tens of milliseconds.
    pdfmetrics.registerFont(TTFont("DejaVuSerif", str(FONT_DIR / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", str(FONT_DIR / "DejaVuSerif-Bold.ttf")))
    return "DejaVuSerif", "DejaVuSerif-Bold"
