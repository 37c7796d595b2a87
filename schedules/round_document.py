"""The round as an official plan (KẾ HOẠCH kiểm định phương tiện đo), through the document module.

The frame is Decree 30/2020's (metrology_svc.documents): heading, number from the register,
place and date, "KẾ HOẠCH", its subject, the legal bases, then the scope, the order of priority,
the days off and, day by day, a table of the visits: inspector, site and address, instrument and
serial, owner and stall, due date and reason. What did not fit is said in the closing.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from metrology_svc.core.issuer import IssuingBody
from metrology_svc.core.pdf_fonts import document_fonts
from metrology_svc.documents.render import DocumentTable, OfficialDocument, styles, table
from metrology_svc.documents.rules import DOC_TYPES, basis_line, date_line, short_date
from metrology_svc.notices.channels.letter import CIRCULAR, LAW
from schedules.rounds import RoundBook, Urgency, Visit, day_label, reason_vi, urgency

DOC_TYPE = "KH"  # kế hoạch
HEADER = (
    "TT", "Kiểm định viên", "Địa điểm, địa chỉ", "Phương tiện đo, số sản xuất",
    "Chủ phương tiện đo, quầy", "Hạn, lý do",
)  # fmt: skip
SHARES = (0.05, 0.14, 0.23, 0.21, 0.17, 0.20)
URGENCY_VI = {
    Urgency.FAILED: "không đạt kiểm định",
    Urgency.OVERDUE: "quá hạn kiểm định",
    Urgency.DUE: "đến hạn trong đợt",
    Urgency.NEVER_VERIFIED: "chưa kiểm định lần nào",
}


@dataclass(frozen=True)
class Issue:
    """Who issues the plan, with what number and on which day."""

    body: IssuingBody
    number: str  # "Số: 3/KH-SKHCN"
    issued_on: date
    signer: tuple[str, ...]
    signer_name: str
    archive: str = "VT"


def _visit_rows(book: RoundBook, visit: Visit, start: int) -> list[tuple[str, ...]]:
    site = book.site(visit.site_id)
    rows: list[tuple[str, ...]] = []
    for n, item in enumerate(book.instruments(visit.site_id, visit.instrument_ids)):
        place = f"{site.site_name}, {site.address}" if site.address else site.site_name
        owner = f"{item.owner}, {item.stall}" if item.stall else item.owner
        due = f"Hạn {short_date(item.due_date)}; " if item.due_date else ""
        rows.append(
            (
                str(start + n),
                visit.inspector if n == 0 else "",
                place if n == 0 else "",
                f"{item.type_name}, số {item.serial}",
                owner,
                due + reason_vi(item, first=book.first).lower(),
            )
        )
    return rows


def _days(book: RoundBook) -> list[Flowable]:
    s = styles()
    day_style = ParagraphStyle(
        "round_day", parent=s["body"], fontName=document_fonts().bold, firstLineIndent=0,
        spaceBefore=6, spaceAfter=3,
    )  # fmt: skip
    flow: list[Flowable] = []
    for day, visits in book.days():
        communes = sorted({book.site(v.site_id).commune for v in visits})
        # A day's heading starts a page rather than end one (room for it and a few rows).
        flow.append(CondPageBreak(45 * mm))
        flow.append(Paragraph(escape(f"{day_label(day)}: {', '.join(communes)}"), day_style))
        rows: list[tuple[str, ...]] = []
        for visit in visits:
            rows += _visit_rows(book, visit, len(rows) + 1)
        flow += [table(DocumentTable(HEADER, rows, SHARES), s), Spacer(1, 2)]
    return flow


def _scope(book: RoundBook) -> str:
    counts = Counter(urgency(i, first=book.first) for site in book.sites for i in site.instruments)
    parts = [f"{counts[u]} {URGENCY_VI[u]}" for u in Urgency if counts[u]]
    total = sum(counts.values())
    detail = f" ({', '.join(parts)})" if parts else ""
    return (
        f"1. Phạm vi: {len(book.sites)} địa điểm, {total} phương tiện đo{detail}; "
        f"{book.inspectors} kiểm định viên, mỗi người tối đa {book.capacity} phương tiện đo "
        "một ngày, mỗi ngày làm việc tại một xã, phường."
    )


def _days_off(book: RoundBook) -> str:
    if not book.days_off:
        return "3. Ngày nghỉ: không có ngày lễ, Tết hoặc ngày nghỉ của cơ quan trong đợt."
    listed = "; ".join(
        f"{short_date(d.day)} ({d.reason}{', ' + d.unit_name if d.unit_name else ''})"
        for d in book.days_off
    )
    return f"3. Ngày nghỉ lễ, Tết và ngày nghỉ của cơ quan, không xếp lịch: {listed}."


def round_document(book: RoundBook, issue: Issue) -> OfficialDocument:
    """Return the official plan of a verification round."""
    subject = (
        f"Kiểm định phương tiện đo từ ngày {short_date(book.first)} "
        f"đến ngày {short_date(book.last)} tại {book.unit_name}"
    )
    communes = sorted({s.commune for s in book.sites})
    left = sum(len(ids) for ids in book.plan.unplanned.values())
    closing = (
        f"Còn {left} phương tiện đo tại {len(book.plan.unplanned)} địa điểm chưa xếp được lịch "
        "trong đợt; chuyển sang đợt kiểm định tiếp theo."
        if left
        else "Toàn bộ phương tiện đo trong phạm vi đã được xếp lịch.",
        "Ủy ban nhân dân các xã, phường thông báo cho chủ phương tiện đo có mặt tại địa điểm "
        "theo lịch; phương tiện đo không đạt, quá hạn hoặc chưa kiểm định không được sử dụng "
        "trong mua bán cho đến khi được kiểm định đạt yêu cầu.",
    )
    return OfficialDocument(
        language="vi",
        heading=issue.body.heading,
        number=issue.number,
        date_line=date_line(place=issue.body.place, day=issue.issued_on),
        doc_type=DOC_TYPES[DOC_TYPE][0],
        subject=subject,
        recipients=(
            "Các kiểm định viên được phân công",
            *(f"Ủy ban nhân dân {c}" for c in communes),
        ),
        bases=tuple(basis_line(b) for b in (LAW, CIRCULAR)),
        paragraphs=(
            f"{issue.body.name} ban hành kế hoạch kiểm định phương tiện đo nhóm 2 dùng trong "
            f"mua bán tại {book.unit_name} như sau:",
            _scope(book),
            "2. Thứ tự ưu tiên: phương tiện đo không đạt kiểm định, quá hạn (lâu nhất trước), "
            "đến hạn trong đợt, chưa kiểm định lần nào; địa điểm có nhiều phương tiện đo cần "
            "kiểm định gấp hơn được xếp trước.",
            _days_off(book),
            "4. Lịch kiểm định theo ngày:",
        ),
        # The days' tables, then the closing: `closing` would print before `extra`.
        extra=(*_days(book), *(Paragraph(escape(t), styles()["body"]) for t in closing)),
        signer=issue.signer,
        signer_name=issue.signer_name,
        distribution=("- Như trên;", f"- Lưu: {issue.archive}."),
        title=f"{issue.number} Kế hoạch kiểm định phương tiện đo",
        author=issue.body.name,
    )
