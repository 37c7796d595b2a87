"""The minutes (biên bản kiểm tra) and the result notice (thông báo kết quả kiểm tra).

Both are built from the document module's layout (metrology_svc.documents.render): the notice
is an OfficialDocument rendered as is; the minutes use the same heading, tables, styles and
frame but have no "Kính gửi" and end in two signature blocks (the inspected party's
representative, who may refuse to sign, and the team leader) instead of "Nơi nhận".
"""

import io
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

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
    Table,
    TableStyle,
)

from metrology_svc.core.pdf_fonts import document_fonts
from metrology_svc.documents.render import (
    FRAME_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    DocumentTable,
    OfficialDocument,
    heading,
    render_document,
    styles,
    table,
)
from metrology_svc.documents.rules import DOC_TYPES, date_line, decree_date, number_text
from metrology_svc.inspection_papers.content import Papers

MINUTES_TYPE, NOTICE_TYPE = "BB", "TB"
ROLE_WORDS = {"leader": "Trưởng đoàn", "member": "Thành viên", "cooperating": "Cơ quan phối hợp"}


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _decision_basis(papers: Papers) -> str:
    d = papers.decision
    number = d.number_text.removeprefix("Số: ")
    return (
        f"Căn cứ Quyết định số {number} {decree_date(d.decided_on)} của {d.issuing_body} "
        "về việc kiểm tra nhà nước về đo lường;"
    )


def _bases(papers: Papers) -> tuple[str, ...]:
    cited = [b.rstrip(";. ") for b in papers.decision.legal_bases]
    return (*(f"Căn cứ {b};" for b in cited), _decision_basis(papers))


def _closed_on(papers: Papers) -> date:
    closed = papers.inspection.closed_at
    return closed.date() if closed else papers.inspection.inspected_on


def _member_rows(papers: Papers) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for i, m in enumerate(papers.team, start=1):
        role = ROLE_WORDS.get(str(m.role), str(m.role))
        if m.certificate_no:
            role += f" (thẻ kiểm tra viên số {m.certificate_no})"
        where = ", ".join(p for p in (m.title, m.agency) if p)
        rows.append((str(i), m.name, where, role))
    return rows


def _numbered(rows: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [(str(i), *row) for i, row in enumerate(rows, start=1)]


def _party_line(papers: Papers) -> str:
    d = papers.decision
    where = f", địa chỉ: {d.party_address}" if d.party_address else ""
    return (
        f"Bên được kiểm tra: {d.party_name}{where}; đại diện: ông/bà {d.representative_name}, "
        f"chức vụ: {d.representative_position}."
    )


def _signatures(papers: Papers, s: dict[str, ParagraphStyle]) -> Table:
    d, insp = papers.decision, papers.inspection
    refused = insp.party_signature == "refused"
    left: list[Flowable] = [
        _p("ĐẠI DIỆN BÊN ĐƯỢC KIỂM TRA", s["sign"]),
        _p(d.representative_position, s["to"]),
        Spacer(1, 22 * mm),
        _p("(Từ chối ký)" if refused else d.representative_name, s["sign"]),
    ]
    right: list[Flowable] = [
        _p("TRƯỞNG ĐOÀN KIỂM TRA", s["sign"]),
        _p(papers.leader.title or "\u00a0", s["to"]),
        Spacer(1, 22 * mm),
        _p(papers.leader.name, s["sign"]),
    ]
    half = FRAME_WIDTH / 2
    result = Table([[left, right]], colWidths=[half, half])
    result.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return result


def _section(title: str, s: dict[str, ParagraphStyle]) -> Paragraph:
    bold = ParagraphStyle(
        "section", parent=s["body"], fontName=document_fonts().bold, spaceBefore=6
    )
    return _p(title, bold)


def minutes_flow(papers: Papers, number: int) -> list[Flowable]:
    """Return the minutes' flowables, heading to signatures."""
    s = styles()
    insp, d = papers.inspection, papers.decision
    head = OfficialDocument(
        language="vi",
        heading=papers.body.heading,
        number=number_text(number=number, doc_type=MINUTES_TYPE, issuer=papers.body.symbol),
        date_line=date_line(place=papers.body.place, day=insp.inspected_on),
        doc_type=DOC_TYPES[MINUTES_TYPE][0],
        subject="Kiểm tra nhà nước về đo lường",
        recipients=(),
    )
    flow: list[Flowable] = [heading(head, s), Spacer(1, 6 * mm)]
    flow += [_p(head.doc_type, s["type"]), _p(head.subject, s["subject"]), Spacer(1, 4 * mm)]
    flow += [_p(b, s["basis"]) for b in _bases(papers)]
    flow.append(
        _p(
            f"Hôm nay, {decree_date(insp.inspected_on)}, tại {d.place}, Đoàn kiểm tra nhà nước "
            "về đo lường gồm:",
            s["body"],
        )
    )
    team = DocumentTable(
        ("TT", "Họ và tên", "Chức vụ, đơn vị", "Vai trò"), _member_rows(papers),
        (0.07, 0.28, 0.35, 0.30),
    )  # fmt: skip
    flow += [table(team, s), Spacer(1, 3 * mm), _p(_party_line(papers), s["body"])]
    flow.append(_section("I. Kết quả kiểm tra phương tiện đo", s))
    found = DocumentTable(
        ("TT", "Phương tiện đo", "Kết quả kiểm tra", "Hậu quả"), _numbered(papers.findings),
        (0.07, 0.30, 0.38, 0.25),
    )  # fmt: skip
    flow += [
        table(found, s) if papers.findings else _p("Không kiểm tra phương tiện đo.", s["body"])
    ]
    flow.append(_section("II. Kiểm tra lượng của phép đo", s))
    if papers.checks:
        checks = DocumentTable(
            ("TT", "Phép đo", "Công bố", "Đo lại", "Kết quả"), _numbered(papers.checks),
            (0.07, 0.33, 0.15, 0.15, 0.30),
        )  # fmt: skip
        flow.append(table(checks, s))
    else:
        flow.append(_p("Không thực hiện.", s["body"]))
    flow.append(_section("III. Biện pháp xử lý", s))
    measures = DocumentTable(
        ("TT", "Biện pháp", "Phương tiện đo", "Chi tiết"), _numbered(papers.measures),
        (0.07, 0.28, 0.30, 0.35),
    )  # fmt: skip
    flow += [table(measures, s) if papers.measures else _p("Không áp dụng.", s["body"])]
    flow.append(_section("IV. Kết luận", s))
    flow.append(_p(insp.conclusion or "Như kết quả kiểm tra nêu trên.", s["body"]))
    flow.append(
        _p(
            "Biên bản được lập thành 02 bản có giá trị như nhau, mỗi bên giữ 01 bản; đã được đọc "
            "lại cho những người có tên trên cùng nghe.",
            s["body"],
        )
    )
    if insp.party_signature == "refused":
        flow.append(
            _p(f"Đại diện bên được kiểm tra từ chối ký biên bản: {insp.refusal_note}", s["body"])
        )
    flow += [Spacer(1, 4 * mm), KeepTogether([_signatures(papers, s)])]
    return flow


def render_minutes(papers: Papers, number: int) -> bytes:
    """Return the minutes as PDF bytes, in the document module's frame and fonts."""
    buffer = io.BytesIO()
    title = f"Biên bản kiểm tra số {number}"
    template = BaseDocTemplate(buffer, pagesize=A4, title=title, author=papers.body.name)
    frame = Frame(
        MARGIN_LEFT, MARGIN_BOTTOM, FRAME_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(minutes_flow(papers, number))
    return buffer.getvalue()


def _requests(papers: Papers) -> tuple[str, ...]:
    """Return what the party is asked to do, one line per instrument."""
    by_instrument: dict[str, list[str]] = {}
    for what, name, detail in papers.measures:
        if what.startswith("Đề nghị lập biên bản"):
            continue  # a proposal to the competent authority, not a request to the party
        text = f"{what.lower()} ({detail})" if detail else what.lower()
        by_instrument.setdefault(name, []).append(text)
    if not by_instrument:
        return ("Các phương tiện đo được kiểm tra đáp ứng yêu cầu quy định.",)
    lines = [f"- {name}: {'; '.join(items)}." for name, items in by_instrument.items()]
    proposals = sum(1 for m in papers.measures if m[0].startswith("Đề nghị lập biên bản"))
    if proposals:
        lines.append(
            f"- Đoàn kiểm tra đề nghị cơ quan có thẩm quyền lập biên bản vi phạm hành chính "
            f"đối với {proposals} trường hợp nêu trong biên bản kiểm tra."
        )
    return (
        f"Đề nghị {papers.decision.party_name} thực hiện các biện pháp sau:",
        *lines,
        "Phương tiện đo không được sử dụng hoặc bị tạm dừng sử dụng chỉ được sử dụng lại "
        "trong mua bán sau khi được kiểm định đạt yêu cầu.",
    )


def notice_document(papers: Papers, number: int) -> OfficialDocument:
    """Return the result notice as an official document addressed to the inspected party."""
    d, insp = papers.decision, papers.inspection
    decision = d.number_text.removeprefix("Số: ")
    intro = (
        f"Thực hiện Quyết định số {decision} {decree_date(d.decided_on)} của {d.issuing_body}, "
        f"{decree_date(insp.inspected_on)} Đoàn kiểm tra nhà nước về đo lường do ông/bà "
        f"{papers.leader.name} làm trưởng đoàn đã kiểm tra tại {d.place}. Kết quả như sau:"
    )
    failing = sum(1 for row in papers.findings if row[2] != "Không thay đổi")
    count = (
        f"Số lượt phương tiện đo được kiểm tra: {len(papers.findings)}; trong đó có {failing} "
        f"lượt phải áp dụng biện pháp xử lý."
    )
    return OfficialDocument(
        language="vi",
        heading=papers.body.heading,
        number=number_text(number=number, doc_type=NOTICE_TYPE, issuer=papers.body.symbol),
        date_line=date_line(place=papers.body.place, day=_closed_on(papers)),
        doc_type=DOC_TYPES[NOTICE_TYPE][0],
        subject="V/v kết quả kiểm tra nhà nước về đo lường",
        recipients=(d.party_name,),
        recipient_address=d.party_address,
        bases=_bases(papers),
        paragraphs=(intro, count),
        table=DocumentTable(
            header=("TT", "Phương tiện đo", "Kết quả kiểm tra", "Xử lý"),
            rows=_numbered(papers.findings),
            shares=(0.07, 0.30, 0.38, 0.25),
        )
        if papers.findings
        else None,
        closing=_requests(papers),
        signer=tuple(line for line in d.signer_position.split("/") if line.strip()),
        signer_name=d.signer_name,
        distribution=("- Như trên;", "- Đoàn kiểm tra;", "- Lưu: VT."),
        title=f"Thông báo kết quả kiểm tra số {number}",
        author=papers.body.name,
    )


def render_notice(papers: Papers, number: int) -> bytes:
    """Return the result notice as PDF bytes."""
    return render_document(notice_document(papers, number))
