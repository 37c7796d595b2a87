"""The report as an official document (Decree 30/2020) in the shape offices send up.

Built on the document module (metrology_svc.documents.render): its heading (issuer and number,
national name and date), "BÁO CÁO" with the subject, "Kính gửi" the body above, and its foot
("Nơi nhận", the signature block). Between them, as the seeds' reports do: I. the results with
the figures (tables that fill the frame, a chart of verifications), II. the office's assessment
(what was achieved, shortcomings), III. next steps and proposals. Sections II and III print the
texts the office keeps with the report; an empty one is left as a dotted line to be written.
"""

from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from metrology_svc.core.pdf_fonts import document_fonts
from metrology_svc.documents.render import (
    FRAME_WIDTH,
    DocumentTable,
    OfficialDocument,
    render_document,
    styles,
    table,
)
from metrology_svc.documents.rules import DOC_TYPES
from metrology_svc.reports import texts
from metrology_svc.reports.rules import vn_number
from metrology_svc.reports.schemas import YearlyReport

PASSED, FAILED = colors.HexColor("#2e7d32"), colors.HexColor("#c62828")
BLANK = "." * 125  # an empty text of the office: a line to write on
PART_TITLES = (
    "I. KẾT QUẢ THỰC HIỆN",
    "II. ĐÁNH GIÁ CHUNG",
    "III. NHIỆM VỤ, GIẢI PHÁP TRONG THỜI GIAN TỚI VÀ KIẾN NGHỊ",
)


def _extra_styles() -> dict[str, ParagraphStyle]:
    f = document_fonts()
    return {
        "part": ParagraphStyle("part", fontName=f.bold, fontSize=13, leading=15, spaceBefore=6),
        "item": ParagraphStyle("item", fontName=f.bold, fontSize=13, leading=15, spaceBefore=6),
        "note": ParagraphStyle("note", fontName=f.italic, fontSize=11, leading=13),
    }


def _cells(row: list[Any]) -> tuple[str, ...]:
    return tuple(vn_number(v) if isinstance(v, int | float) or v is None else str(v) for v in row)


def _table(header: tuple[str, ...], rows: list[list[Any]], shares: tuple[float, ...]) -> Flowable:
    data = DocumentTable(header=header, rows=[_cells(r) for r in rows], shares=shares)
    return table(data, styles())


def _pairs(rows: list[list[Any]]) -> Flowable:
    return _table(("Nội dung", "Số lượng"), rows, (0.75, 0.25))


def _chart(report: YearlyReport) -> Drawing:
    """Return a bar chart of passed and failed verifications per instrument type."""
    f = document_fonts()
    rows = report.verified_by_type
    width = FRAME_WIDTH
    drawing = Drawing(width, 62 * mm)
    drawing.add(
        String(
            width / 2,
            57 * mm,
            "Kết quả kiểm định theo loại",
            fontName=f.bold,
            fontSize=11,
            textAnchor="middle",
        )
    )
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 15 * mm, width - 60 * mm, 36 * mm
    chart.data = [[r.passed for r in rows] or [0], [r.failed for r in rows] or [0]]
    chart.categoryAxis.categoryNames = [r.name_vi[:20] for r in rows] or ["—"]
    chart.categoryAxis.labels.fontName = f.regular
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 15
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = f.regular
    chart.valueAxis.valueMin = 0
    top = max([*chart.data[0], *chart.data[1], 1])
    chart.valueAxis.valueMax = top + max(1, top // 10)
    chart.valueAxis.valueStep = max(1, -(-top // 5))  # whole numbers: these are counts
    chart.bars[0].fillColor, chart.bars[1].fillColor = PASSED, FAILED
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = f.regular
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 38 * mm, 45 * mm
    legend.fontName, legend.fontSize = f.regular, 9
    legend.colorNamePairs = [(PASSED, "Đạt"), (FAILED, "Không đạt")]
    drawing.add(legend)
    return drawing


def _say(text: str) -> Paragraph:
    return Paragraph(escape(text), styles()["body"])


def _text(kept: str) -> list[Flowable]:
    """Return an office's text as paragraphs (one per line it wrote), or a line to write on."""
    lines = [line.strip() for line in kept.splitlines() if line.strip()]
    return [_say(line) for line in lines] or [Paragraph(BLANK, styles()["body"])]


def _item(
    title: str, body: list[Flowable], x: dict[str, ParagraphStyle], part: str = ""
) -> list[Flowable]:
    """Keep an item's title (and its part's, for the first item) with the start of its body."""
    head = [Paragraph(escape(part), x["part"])] if part else []
    return [KeepTogether([*head, Paragraph(escape(title), x["item"]), *body[:1]]), *body[1:]]


def _results(report: YearlyReport, x: dict[str, ParagraphStyle]) -> list[Flowable]:
    t, d, i, c = report.verified_total, report.due.total, report.inspections, report.control_scales
    by_site = texts.site_rows(report)[-1]
    flow: list[Flowable] = []
    flow += _item(
        "1. Kiểm định phương tiện đo nhóm 2",
        [
            _say(
                f"Trong kỳ báo cáo đã kiểm định {vn_number(t.verifications)} lượt phương tiện đo "
                f"({vn_number(t.instruments)} phương tiện), đạt {vn_number(t.passed)}, không "
                f"đạt {vn_number(t.failed)}, tỷ lệ đạt {vn_number(t.pass_rate)} %."
            ),
            _table(
                (texts.TYPE_HEADER[0], *texts.TYPE_HEADER[2:]),
                [[row[0], *row[2:]] for row in texts.type_rows(report)],  # no type code
                (0.32, 0.14, 0.14, 0.12, 0.14, 0.14),
            ),
        ],
        x,
        PART_TITLES[0],
    )
    flow += [Spacer(1, 2 * mm), _chart(report)]
    flow += [_table(texts.KIND_HEADER, texts.kind_rows(report), (0.4, 0.2, 0.2, 0.2))]
    flow += _item(
        "2. Phương tiện đo đến hạn, quá hạn kiểm định",
        [
            _say(
                f"Đến ngày {report.as_of:%d/%m/%Y} trên địa bàn có {vn_number(d.instruments)} "
                f"phương tiện đo nhóm 2 đang sử dụng; {vn_number(d.overdue)} phương tiện quá "
                f"hạn kiểm định, {vn_number(d.failed)} phương tiện không đạt yêu cầu kiểm định "
                f"(tính riêng, không tính vào quá hạn), {vn_number(d.never_verified)} phương tiện "
                "chưa được kiểm định."
            ),
            _table(
                texts.due_header(report),
                texts.due_rows(report),
                (0.23, 0.11, 0.1, 0.12, 0.1, 0.12, 0.11, 0.11),
            ),
        ],
        x,
    )
    flow += _item(
        "3. Kiểm tra nhà nước về đo lường",
        [
            _say(
                f"Đã tổ chức {vn_number(i.inspections)} cuộc kiểm tra tại {vn_number(i.sites)} "
                f"cơ sở (chợ, cửa hàng xăng dầu, cửa hàng vàng bạc, ...), ghi nhận "
                f"{vn_number(i.findings)} trường hợp, trong đó {vn_number(by_site[4])} vi phạm."
            ),
            _table(texts.SITE_HEADER, texts.site_rows(report), (0.32, 0.17, 0.15, 0.19, 0.17)),
        ],
        x,
    )
    if report.inspections_by_site:
        flow += [
            Spacer(1, 2 * mm),
            _table(
                texts.SITE_FINDING_HEADER,
                texts.site_finding_rows(report),
                (0.25, 0.39, 0.18, 0.18),
            ),
        ]
    if report.measurement_checks:
        flow += [
            Spacer(1, 2 * mm),
            _table(texts.CHECK_HEADER, texts.check_rows(report), (0.32, 0.14, 0.18, 0.16, 0.2)),
        ]
    flow += _item(
        "4. Cân đối chứng tại các chợ",
        [
            _say(
                f"Duy trì {vn_number(c.stations)} trạm cân đối chứng; người tiêu dùng cân lại "
                f"{vn_number(c.consumer_checks)} lượt, phát hiện {vn_number(c.shortfalls)} lượt "
                "cân thiếu."
            ),
            _pairs(texts.control_rows(report)),
        ],
        x,
    )
    flow += _item("5. Tem kiểm định", [_pairs(texts.stamp_rows(report))], x)
    return flow


def _office_parts(report: YearlyReport, x: dict[str, ParagraphStyle]) -> list[Flowable]:
    kept = report.texts
    flow = _item("1. Kết quả đạt được", _text(kept.achievements), x, PART_TITLES[1])
    flow += _item("2. Tồn tại, hạn chế và nguyên nhân", _text(kept.shortcomings), x)
    flow += _item("1. Nhiệm vụ, giải pháp", _text(kept.next_steps), x, PART_TITLES[2])
    flow += _item("2. Kiến nghị, đề xuất", _text(kept.proposals), x)
    return flow


def report_document(report: YearlyReport) -> OfficialDocument:
    """Return the official document the report is."""
    x = _extra_styles()
    issuer = report.issuer
    notes = [Paragraph(escape(line), x["note"]) for line in texts.note_lines(report)]
    closing = (
        f"Trên đây là báo cáo kết quả công tác quản lý nhà nước về đo lường {report.period} "
        f"của {issuer.name}./."
    )
    return OfficialDocument(
        language="vi",
        heading=tuple(issuer.heading),
        number=texts.number_line(report),
        date_line=texts.place_and_date(report),
        doc_type=DOC_TYPES["BC"][0],
        subject=texts.subject(report),
        recipients=(issuer.reports_to,),
        paragraphs=(
            f"{issuer.name} báo cáo kết quả công tác quản lý nhà nước về đo lường "
            f"{report.period} trên địa bàn như sau:",
            texts.scope_line(report),
        ),
        extra=(
            *notes,
            *_results(report, x),
            *_office_parts(report, x),
            Spacer(1, 3 * mm),
            _say(closing),
        ),
        signer=tuple(issuer.signer),
        signer_name=issuer.signer_name,
        distribution=(f"- {issuer.reports_to};", "- Lưu: VT."),
        title=f"{texts.number_line(report)} {texts.subject(report)}",
        author=issuer.name,
    )


def render_pdf(report: YearlyReport) -> bytes:
    """Return the report as PDF bytes (A4, fonts embedded)."""
    return render_document(report_document(report))
