"""Fonts with Vietnamese glyphs for the PDFs reportlab draws (letters, yearly reports)."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Debian package fonts-liberation2: Liberation Serif 2.x has the metrics of Times New Roman, the
# font Decree 30/2020/NĐ-CP prescribes, and Vietnamese letters. Liberation 1.07 (the package
# fonts-liberation, directory liberation/) has no "ộ", "ư", "ơ": reportlab drew them blank.
LIBERATION_DIR = Path("/usr/share/fonts/truetype/liberation2")


@dataclass(frozen=True, slots=True)
class FontFamily:
    """The reportlab names of a registered family's four faces."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


@lru_cache(maxsize=1)
def serif_fonts() -> tuple[str, str]:
    """Register DejaVu Serif (regular and bold) with reportlab once; return their names."""
    # Built-in PDF fonts have no Vietnamese glyphs; DejaVu has them. Registered on first use,
    # never at import time: parsing a TrueType file takes tens of milliseconds.
    pdfmetrics.registerFont(TTFont("DejaVuSerif", str(FONT_DIR / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", str(FONT_DIR / "DejaVuSerif-Bold.ttf")))
    return "DejaVuSerif", "DejaVuSerif-Bold"


@lru_cache(maxsize=1)
def document_fonts() -> FontFamily:
    """Register Liberation Serif (four faces, one family for <b> and <i>) once; return it."""
    family = FontFamily(
        regular="LiberationSerif",
        bold="LiberationSerif-Bold",
        italic="LiberationSerif-Italic",
        bold_italic="LiberationSerif-BoldItalic",
    )
    files = {
        family.regular: "LiberationSerif-Regular.ttf",
        family.bold: "LiberationSerif-Bold.ttf",
        family.italic: "LiberationSerif-Italic.ttf",
        family.bold_italic: "LiberationSerif-BoldItalic.ttf",
    }
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(LIBERATION_DIR / file)))
    for bold, italic, name in (
        (0, 0, family.regular),
        (1, 0, family.bold),
        (0, 1, family.italic),
        (1, 1, family.bold_italic),
    ):
        addMapping(family.regular, bold, italic, name)
    return family
