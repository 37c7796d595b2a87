"""The layout of an official document (Decree 30/2020/NĐ-CP, appendix I) drawn with reportlab.

A4, margins 20 mm top and bottom, 30 mm left, 15 mm right; Liberation Serif (Times New Roman's
metrics) embedded, 13 pt text. The heading: the parent body over the issuing body (bold) with a
short rule beneath, then the number, on the left; the national name and motto (bold) with a rule
as long as the motto, then the place and date (italic), on the right. Then the document type and
its subject, "Kính gửi", the legal bases, the text, a table that fits the frame, and at the foot
"Nơi nhận" on the left and the signature block (authority, position, name) on the right.
Letters use it now; the yearly reports are meant to move onto `story`/`render_document` too.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from metrology_svc.core.pdf_fonts import document_fonts
from metrology_svc.documents.rules import Language

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
BODY_PT = 13.0
# The heading's two columns: the issuer's (left) and the national name's (right).
LEFT_COLUMN = 72 * mm  # "SỞ KHOA HỌC VÀ CÔNG NGHỆ" on one line at 13 pt
RIGHT_COLUMN = FRAME_WIDTH - LEFT_COLUMN

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "to": "Kính gửi",
        "distribution": "Nơi nhận:",
        "address": "Địa chỉ",
    },
    "en": {
        "nation": "SOCIALIST REPUBLIC OF VIET NAM",
        "motto": "Independence - Freedom - Happiness",
        "to": "To",
        "distribution": "Distribution:",
        "address": "Address",
    },
}


@dataclass(frozen=True)
class DocumentTable:
    """A table in the text: header, rows and each column's share of the frame width."""

    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    shares: tuple[float, ...]  # sum to 1: the columns fill the frame exactly


@dataclass(frozen=True)
class OfficialDocument:
    """What an official document says, in the order Decree 30/2020 prints it."""

    language: Language
    heading: tuple[str, ...]  # parent body first, issuing body last (printed in capitals)
    number: str  # "Số: 12/TB-SKHCN"
    date_line: str  # "Hà Tĩnh, ngày 05 tháng 3 năm 2026"
    doc_type: str  # "THÔNG BÁO"
    subject: str  # "V/v …"
    recipients: tuple[str, ...]
    recipient_address: str = ""  # printed under a single recipient
    bases: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    table: DocumentTable | None = None
    closing: tuple[str, ...] = ()  # after the table: deadline, how to answer
    signer: tuple[str, ...] = ()  # authority and position: "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    signer_name: str = ""
    distribution: tuple[str, ...] = ()  # "Nơi nhận" items: "- Như trên;", "- Lưu: VT."
    title: str = ""  # PDF metadata
    author: str = ""
    extra: tuple[Flowable, ...] = field(default=())  # appended after the closing paragraphs


class Rule(Flowable):  # type: ignore[misc]
    """A horizontal rule of a given length (centred by its table cell or frame)."""

    def __init__(self, length: float) -> None:
        super().__init__()
        self.length = length
        self.hAlign = "CENTER"

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """Take the rule's length (at most the width given) and 3 points of height."""
        self.length = min(self.length, availWidth)
        return self.length, 3.0

    def draw(self) -> None:
        """Draw the rule."""
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 1.5, self.length, 1.5)


def _style(name: str, font: str, size: float = BODY_PT, **more: object) -> ParagraphStyle:
    # Leading 1.15: the decree allows single to 1.5 lines; a one-instrument letter fits a page.
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.15, **more)


def styles() -> dict[str, ParagraphStyle]:
    """Return the paragraph styles of official documents (fonts registered on first use)."""
    f = document_fonts()
    centre, just = TA_CENTER, TA_JUSTIFY
    indent = 10 * mm  # the decree's first-line indent: 1 to 1.27 cm
    return {
        "head": _style("head", f.regular, alignment=centre),
        "head_b": _style("head_b", f.bold, alignment=centre),
        "nation": _style("nation", f.bold, 12, alignment=centre),
        "date": _style("date", f.italic, alignment=centre),
        "type": _style("type", f.bold, 14, alignment=centre),
        "subject": _style("subject", f.bold, alignment=centre),
        "to": _style("to", f.regular, alignment=centre),
        "to_item": _style("to_item", f.regular, leftIndent=30 * mm),
        "basis": _style("basis", f.italic, alignment=just, firstLineIndent=indent, spaceAfter=2),
        "body": _style("body", f.regular, alignment=just, firstLineIndent=indent, spaceAfter=4),
        # Lines ending in a link: justified, the link's long word would stretch the spaces.
        "body_left": _style("body_left", f.regular, firstLineIndent=indent, spaceAfter=4),
        "cell": _style("cell", f.regular, alignment=TA_LEFT),
        "cell_b": _style("cell_b", f.bold, alignment=centre),
        "sign": _style("sign", f.bold, alignment=centre),
        # Decree 30/2020: "Nơi nhận:" 12 pt bold italic, its items 11 pt.
        "dist_h": _style("dist_h", f.bold_italic, 12),
        "dist": _style("dist", f.regular, 11),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def heading(doc: OfficialDocument, s: dict[str, ParagraphStyle]) -> Table:
    """Return the heading: issuer and number (left), national name, motto and date (right)."""
    f = document_fonts()
    body_line = doc.heading[-1].upper()
    body_width = min(stringWidth(body_line, f.bold, BODY_PT), LEFT_COLUMN - 6)
    left: list[Flowable] = [_p(line.upper(), s["head"]) for line in doc.heading[:-1]]
    left += [
        _p(body_line, s["head_b"]),
        Rule(body_width * 0.4),
        Spacer(1, 5),
        _p(doc.number, s["head"]),
    ]
    labels = LABELS[doc.language]
    motto = labels["motto"]
    right = [
        _p(labels["nation"], s["nation"]),
        _p(motto, s["head_b"]),
        Rule(stringWidth(motto, f.bold, BODY_PT)),
        Spacer(1, 5),
        _p(doc.date_line, s["date"]),
    ]
    table = Table([[left, right]], colWidths=[LEFT_COLUMN, RIGHT_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # the rules under the lines
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _recipients(doc: OfficialDocument, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    labels = LABELS[doc.language]
    label = labels["to"]
    if len(doc.recipients) == 1:
        address = [_p(f"{labels['address']}: {doc.recipient_address}", s["to"])]
        return [
            _p(f"{label}: {doc.recipients[0]}", s["to"]),
            *address[: bool(doc.recipient_address)],
        ]
    return [_p(f"{label}:", s["to"]), *(_p(f"- {r}", s["to_item"]) for r in doc.recipients)]


def table(data: DocumentTable, s: dict[str, ParagraphStyle]) -> Table:
    """Return a table whose columns fill the frame and whose cells wrap their text."""
    widths = [FRAME_WIDTH * share for share in data.shares]
    rows = [[_p(c, s["cell_b"]) for c in data.header]]
    rows += [[_p(c, s["cell"]) for c in row] for row in data.rows]
    result = Table(rows, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return result


def foot(doc: OfficialDocument, s: dict[str, ParagraphStyle]) -> Table:
    """Return the foot: "Nơi nhận" (left) beside the signature block (right)."""
    left: list[Flowable] = [_p(LABELS[doc.language]["distribution"], s["dist_h"])]
    left += [_p(item, s["dist"]) for item in doc.distribution]
    right: list[Flowable] = [_p(line.upper(), s["sign"]) for line in doc.signer]
    # Room for the signature and the seal.
    right += [Spacer(1, 22 * mm), _p(doc.signer_name, s["sign"])]
    half = FRAME_WIDTH * 0.45
    result = Table([[left, right]], colWidths=[half, FRAME_WIDTH - half])
    result.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return result


def story(doc: OfficialDocument) -> list[Flowable]:
    """Return the flowables of a document, heading to foot."""
    s = styles()
    flow: list[Flowable] = [heading(doc, s), Spacer(1, 6 * mm)]
    flow += [_p(doc.doc_type, s["type"]), _p(doc.subject, s["subject"]), Spacer(1, 4 * mm)]
    flow += [*_recipients(doc, s), Spacer(1, 3 * mm)]
    flow += [_p(line, s["basis"]) for line in doc.bases]
    flow += [_p(text, s["body"]) for text in doc.paragraphs]
    if doc.table is not None:
        flow += [table(doc.table, s), Spacer(1, 4 * mm)]
    flow += [_p(text, s["body_left" if "://" in text else "body"]) for text in doc.closing]
    flow += [*doc.extra, Spacer(1, 4 * mm), KeepTogether([foot(doc, s)])]
    return flow


def render_document(doc: OfficialDocument) -> bytes:
    """Return an official document as PDF bytes (A4, fonts embedded)."""
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer, pagesize=A4, title=doc.title, author=doc.author, subject=doc.subject
    )
    # No frame padding: the text runs exactly from margin to margin, as the decree measures.
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        FRAME_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(story(doc))
    return buffer.getvalue()
