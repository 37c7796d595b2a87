"""The printed plan: an official document (Decree 30/2020/NĐ-CP) through metrology_svc.documents.

The heading, tables and signature block are the document module's; the body is built here,
because a plan has sections (I. Mục đích, yêu cầu; II. Nội dung; III. Tổ chức thực hiện) and
no "Kính gửi", which `documents.render.story` always prints. The page frame is the module's.
"""

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
)

from metrology_svc.core.issuer import IssuingBody
from metrology_svc.core.pdf_fonts import document_fonts
from metrology_svc.documents import render
from metrology_svc.documents.render import DocumentTable, OfficialDocument
from metrology_svc.documents.rules import DOC_TYPES, LegalBasis, basis_line, date_line, short_date
from metrology_svc.inspection_plans import rules
from metrology_svc.inspection_plans.models import InspectionPlan, PlanState
from metrology_svc.inspection_plans.schemas import TargetPublic, UnitRef

LAW = LegalBasis(
    "Luật Đo lường", "the Law on Metrology", "04/2011/QH13", date(2011, 11, 11),
    "Quốc hội", "National Assembly",
)  # fmt: skip
# Circular 28/2013 of 17/12/2013 as amended by Circular 10/2022 of 28/07/2022 (consolidated
# text 09/VBHN-BKHCN of 11/10/2022).
INSPECTION_CIRCULAR = LegalBasis(
    "Thông tư", "Circular", "28/2013/TT-BKHCN", date(2013, 12, 17),
    "Bộ trưởng Bộ Khoa học và Công nghệ", "Minister of Science and Technology",
    "quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung bởi Thông tư số "
    "10/2022/TT-BKHCN ngày 28 tháng 7 năm 2022",
    "on state metrology inspection, as amended by Circular No. 10/2022/TT-BKHCN of 28 July 2022",
)  # fmt: skip
KIND_VI = {
    "market": "Chợ",
    "fuel_station": "Cửa hàng xăng dầu",
    "gold_shop": "Cửa hàng vàng bạc",
    "other": "Cơ sở khác",
}
SECTIONS = ("I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN")
TARGET_HEADER = ("TT", "Xã, phường", "Cơ sở được kiểm tra", "Loại cơ sở", "Thời gian")
TARGET_SHARES = (0.07, 0.22, 0.33, 0.18, 0.20)


@dataclass(frozen=True)
class PlanPrint:
    """What the printed plan says, gathered from the plan, its units, targets and issuer."""

    plan: InspectionPlan
    issuer: IssuingBody
    units: list[UnitRef]
    targets: list[TargetPublic]
    archive: str = "VT"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _scope_lines(p: PlanPrint) -> list[str]:
    plan = p.plan
    order = list(KIND_VI)
    ranked = sorted(plan.site_kinds, key=lambda k: order.index(k) if k in order else len(order))
    kinds = ", ".join(KIND_VI.get(k, k).lower() for k in ranked)
    units = ", ".join(u.name for u in p.units)
    content = " ".join(_paragraphs(plan.content))
    return [
        *([f"1. Nội dung kiểm tra: {content}"] if content else []),
        f"{2 if content else 1}. Phạm vi kiểm tra: {units}.",
        f"{3 if content else 2}. Đối tượng kiểm tra: phương tiện đo nhóm 2 và phép đo tại các "
        f"cơ sở ({kinds}).",
        f"{4 if content else 3}. Thời gian thực hiện: từ ngày {short_date(plan.period_from)} "
        f"đến ngày {short_date(plan.period_to)}.",
        f"{5 if content else 4}. Danh sách cơ sở dự kiến kiểm tra:",
    ]


def _distribution(p: PlanPrint) -> tuple[str, ...]:
    above = p.issuer.reports_to
    if p.issuer.level == "province":
        return (
            f"- {above} (để báo cáo);",
            "- UBND các xã, phường trong phạm vi kế hoạch;",
            "- Đoàn kiểm tra nhà nước về đo lường;",
            f"- Lưu: {p.archive}.",
        )
    return (f"- {above} (để báo cáo);", "- Đoàn kiểm tra nhà nước về đo lường;",
            f"- Lưu: {p.archive}.")  # fmt: skip


def plan_document(p: PlanPrint) -> OfficialDocument:
    """Return the plan's heading, number, date, subject, bases, table and signature."""
    plan = p.plan
    approved = plan.state is PlanState.APPROVED and plan.approved_on is not None
    day = (
        date_line(place=p.issuer.place, day=plan.approved_on)
        if approved and plan.approved_on
        else f"{p.issuer.place}, ngày      tháng      năm {plan.period_from.year}"
    )
    rows = [
        (str(i), t.unit_name, t.site_name, KIND_VI.get(str(t.site_kind), str(t.site_kind)),
         rules.window_text(t.window_from, t.window_to))
        for i, t in enumerate(p.targets, 1)
    ]  # fmt: skip
    number = rules.number_line(plan.number if approved else None, plan.symbol or p.issuer.symbol)
    return OfficialDocument(
        language="vi",
        heading=p.issuer.heading,
        number=number,
        date_line=day,
        doc_type=DOC_TYPES[rules.DOC_TYPE][0],
        subject=plan.subject,
        recipients=(),
        bases=tuple(basis_line(b) for b in (LAW, INSPECTION_CIRCULAR)),
        table=DocumentTable(header=TARGET_HEADER, rows=rows, shares=TARGET_SHARES),
        signer=tuple(s for s in (plan.signer_authority, plan.signer_position) if s)
        or p.issuer.signer,
        signer_name=plan.signer_name,
        distribution=_distribution(p),
        title=f"{number} {plan.subject}",
        author=p.issuer.name,
    )


def _section_style() -> ParagraphStyle:
    f = document_fonts()
    size = render.BODY_PT
    return ParagraphStyle("section", fontName=f.bold, fontSize=size, leading=size * 1.15,
                          alignment=TA_JUSTIFY, spaceBefore=4, spaceAfter=3)  # fmt: skip


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def plan_story(p: PlanPrint) -> list[Flowable]:
    """Return the flowables of the printed plan, heading to foot."""
    doc = plan_document(p)
    s = render.styles()
    section = _section_style()
    flow: list[Flowable] = [render.heading(doc, s), Spacer(1, 6 * mm)]
    flow += [_p(doc.doc_type, s["type"]), _p(doc.subject, s["subject"])]
    if p.plan.state is PlanState.DRAFT:
        flow.append(_p("(Dự thảo)", s["date"]))
    flow += [Spacer(1, 2), render.Rule(40 * mm), Spacer(1, 4 * mm)]
    flow += [_p(line, s["basis"]) for line in doc.bases]
    flow += [_p(SECTIONS[0], section), *(_p(t, s["body"]) for t in _paragraphs(p.plan.purpose))]
    flow += [_p(SECTIONS[1], section), *(_p(t, s["body"]) for t in _scope_lines(p))]
    assert doc.table is not None
    flow += [render.table(doc.table, s), Spacer(1, 3 * mm)]
    flow += [_p(SECTIONS[2], section), *(_p(t, s["body"]) for t in _paragraphs(p.plan.resources))]
    flow += [Spacer(1, 4 * mm), KeepTogether([render.foot(doc, s)])]
    return flow


def render_plan(p: PlanPrint) -> bytes:
    """Return the printed plan as PDF bytes (A4, the document module's margins and fonts)."""
    buffer = io.BytesIO()
    doc = plan_document(p)
    template = BaseDocTemplate(
        buffer, pagesize=A4, title=doc.title, author=doc.author, subject=doc.subject
    )
    frame = Frame(
        render.MARGIN_LEFT,
        render.MARGIN_BOTTOM,
        render.FRAME_WIDTH,
        render.PAGE_HEIGHT - render.MARGIN_TOP - render.MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(plan_story(p))
    return buffer.getvalue()
