"""The printable letter: a PDF in Vietnamese administrative form, with an embedded DejaVu font."""

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from metrology_svc.core.issuer import IssuingBody, document_date
from metrology_svc.core.pdf_fonts import serif_fonts

LEGAL_BASIS_VI = (
    "Căn cứ Luật Đo lường số 04/2011/QH13; Thông tư 23/2013/TT-BKHCN quy định về đo lường đối "
    "với phương tiện đo nhóm 2, được sửa đổi, bổ sung bởi Thông tư 07/2019/TT-BKHCN và Thông tư "
    "03/2024/TT-BKHCN."
)


@dataclass(frozen=True)
class LetterContent:
    """What a letter says; the national heading and the legal basis are fixed.

    The issuer (heading, place, signature) follows the level that sends the letter.
    """

    issuer: IssuingBody
    number: str
    issued_on: date
    recipient: str
    recipient_address: str
    subject: str
    paragraphs: list[str]
    instruments: list[tuple[str, str, str, str]] = field(default_factory=list)
    deadline: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = serif_fonts()
    return {
        "c": ParagraphStyle("c", fontName=regular, fontSize=11, leading=14, alignment=1),
        "cb": ParagraphStyle("cb", fontName=bold, fontSize=11, leading=14, alignment=1),
        "p": ParagraphStyle("p", fontName=regular, fontSize=11, leading=15, spaceAfter=6),
        "b": ParagraphStyle("b", fontName=bold, fontSize=12, leading=16, alignment=1),
    }


def _heading(content: LetterContent, s: dict[str, ParagraphStyle]) -> Table:
    d = content.issued_on
    left = [Paragraph(escape(line), s["cb"]) for line in content.issuer.heading]
    left.append(Paragraph(f"Số: {escape(content.number)}", s["c"]))
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s["cb"]),
        Paragraph("Độc lập - Tự do - Hạnh phúc", s["cb"]),
        Paragraph(escape(document_date(content.issuer.place, d.year, d.month, d.day)), s["c"]),
    ]
    table = Table([[left, right]], colWidths=[75 * mm, 100 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _instruments(content: LetterContent, s: dict[str, ParagraphStyle]) -> Table:
    head = ["Phương tiện đo", "Hãng / kiểu", "Số sản xuất", "Địa điểm"]
    rows = [[Paragraph(escape(c), s["p"]) for c in row] for row in [head, *content.instruments]]
    table = Table(rows, colWidths=[45 * mm, 45 * mm, 35 * mm, 50 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    return table


def render_letter(content: LetterContent) -> bytes:
    """Return the letter as PDF bytes."""
    s = _styles()
    story = [
        _heading(content, s),
        Spacer(1, 8 * mm),
        Paragraph(escape(content.subject), s["b"]),
        Spacer(1, 4 * mm),
        Paragraph(f"Kính gửi: {escape(content.recipient)}", s["p"]),
        Paragraph(escape(content.recipient_address), s["p"]),
        Paragraph(escape(LEGAL_BASIS_VI), s["p"]),
        *(Paragraph(escape(p), s["p"]) for p in content.paragraphs),
        _instruments(content, s),
        Spacer(1, 4 * mm),
        Paragraph(f"Thời hạn thực hiện: {escape(content.deadline)}", s["p"]),
        Spacer(1, 10 * mm),
        *(Paragraph(escape(line), s["cb"]) for line in content.issuer.signer),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=content.number, author=content.issuer.name)
    doc.build(story)
    return buffer.getvalue()
