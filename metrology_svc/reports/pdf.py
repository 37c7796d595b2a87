"""The yearly report as a PDF in the shape offices send up: heading, title, sections, tables.

Text uses embedded DejaVu fonts (reportlab's built-in fonts have no Vietnamese glyphs); the
chart is drawn with reportlab.graphics, so it stays vector and needs no image library.
"""

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from metrology_svc.core.pdf_fonts import serif_fonts
from metrology_svc.reports import texts
from metrology_svc.reports.rules import vn_number
from metrology_svc.reports.schemas import YearlyReport

PASSED, FAILED = colors.HexColor("#2e7d32"), colors.HexColor("#c62828")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = serif_fonts()
    return {
        "c": ParagraphStyle("c", fontName=regular, fontSize=11, leading=14, alignment=1),
        "cb": ParagraphStyle("cb", fontName=bold, fontSize=11, leading=14, alignment=1),
        "ci": ParagraphStyle("ci", fontName=regular, fontSize=10, leading=13, alignment=1),
        "p": ParagraphStyle("p", fontName=regular, fontSize=11, leading=15, spaceAfter=4),
        "h": ParagraphStyle("h", fontName=bold, fontSize=11, leading=15, spaceBefore=8),
        "t": ParagraphStyle("t", fontName=bold, fontSize=13, leading=17, alignment=1),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11),
    }


def _heading(report: YearlyReport, s: dict[str, ParagraphStyle]) -> Table:
    left = [Paragraph(escape(line), s["cb"]) for line in texts.office_lines(report)]
    number = escape(texts.number_line(report)).replace("  ", "&nbsp;&nbsp;")
    left.append(Paragraph(number, s["c"]))
    right = [Paragraph(escape(line), s["cb"]) for line in texts.NATIONAL]
    right.append(Paragraph(escape(texts.place_and_date(report)), s["ci"]))
    table = Table([[left, right]], colWidths=[74 * mm, 100 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _cell(value: Any) -> str:
    return vn_number(value) if isinstance(value, int | float) or value is None else str(value)


def _grid(
    header: tuple[str, ...],
    rows: list[list[Any]],
    s: dict[str, ParagraphStyle],
    widths: list[float],
) -> Table:
    body = [[Paragraph(escape(h), s["head"]) for h in header]]
    body += [[Paragraph(escape(_cell(v)), s["cell"]) for v in row] for row in rows]
    table = Table(body, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _pairs(rows: list[list[Any]], s: dict[str, ParagraphStyle]) -> Table:
    return _grid(("Nội dung", "Số lượng"), rows, s, [120, 50])


def _section(heading: str, body: Flowable, s: dict[str, ParagraphStyle]) -> KeepTogether:
    """Keep a section's heading on the page of its table."""
    return KeepTogether([Paragraph(escape(heading), s["h"]), body])


def _chart(report: YearlyReport) -> Drawing:
    """Return a bar chart of passed and failed verifications per instrument type."""
    regular, bold = serif_fonts()
    rows = report.verified_by_type
    drawing = Drawing(170 * mm, 75 * mm)
    drawing.add(
        String(
            85 * mm,
            70 * mm,
            "Kết quả kiểm định theo loại",
            fontName=bold,
            fontSize=10,
            textAnchor="middle",
        )
    )
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 18 * mm, 120 * mm, 45 * mm
    chart.data = [[r.passed for r in rows] or [0], [r.failed for r in rows] or [0]]
    chart.categoryAxis.categoryNames = [r.name_vi[:18] for r in rows] or ["—"]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.valueMin = 0
    top = max([*chart.data[0], *chart.data[1], 1])
    chart.valueAxis.valueMax = top + max(1, top // 10)
    chart.valueAxis.valueStep = max(1, -(-top // 5))  # whole numbers: these are counts
    chart.bars[0].fillColor, chart.bars[1].fillColor = PASSED, FAILED
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 140 * mm, 55 * mm
    legend.fontName, legend.fontSize = regular, 8
    legend.colorNamePairs = [(PASSED, "Đạt"), (FAILED, "Không đạt")]
    drawing.add(legend)
    return drawing


def _story(report: YearlyReport, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    t = report.verified_total
    return [
        _heading(report, s),
        Spacer(1, 8 * mm),
        Paragraph(escape(texts.title(report)), s["t"]),
        Paragraph(escape(texts.scope_line(report)), s["ci"]),
        *(Paragraph(escape(line), s["ci"]) for line in texts.note_lines(report)),
        Spacer(1, 4 * mm),
        Paragraph(escape(texts.SECTION_TITLES[0]), s["h"]),
        Paragraph(
            escape(
                f"Trong năm {report.year} đã kiểm định {vn_number(t.verifications)} lượt phương "
                f"tiện đo ({vn_number(t.instruments)} phương tiện), đạt {vn_number(t.passed)}, "
                f"không đạt {vn_number(t.failed)}, tỷ lệ đạt {vn_number(t.pass_rate)} %."
            ),
            s["p"],
        ),
        Paragraph(escape(texts.TYPE_TITLE), s["p"]),
        _grid(
            (texts.TYPE_HEADER[0], *texts.TYPE_HEADER[2:]),
            [[row[0], *row[2:]] for row in texts.type_rows(report)],  # no type code on paper
            s,
            [62, 22, 24, 20, 20, 22],
        ),
        Spacer(1, 3 * mm),
        _chart(report),
        Paragraph(escape(texts.KIND_TITLE), s["p"]),
        _grid(texts.KIND_HEADER, texts.kind_rows(report), s, [70, 32, 32, 32]),
        _section(
            texts.SECTION_TITLES[1],
            _grid(
                texts.due_header(report), texts.due_rows(report), s, [46, 20, 20, 24, 22, 20, 18]
            ),
            s,
        ),
        _section(texts.SECTION_TITLES[2], _pairs(texts.control_rows(report), s), s),
        _section(texts.SECTION_TITLES[3], _pairs(texts.inspection_rows(report), s), s),
        Spacer(1, 2 * mm),
        _grid(texts.FINDING_HEADER, texts.finding_rows(report), s, [90, 40, 40]),
        _section(texts.SECTION_TITLES[4], _pairs(texts.stamp_rows(report), s), s),
        Spacer(1, 8 * mm),
        _signature(report, s),
    ]


def _signature(report: YearlyReport, s: dict[str, ParagraphStyle]) -> Table:
    """Return the recipients (nơi nhận) and the signature block of the issuing body."""
    sent = [Paragraph("Nơi nhận:", s["head"])]
    sent += [Paragraph(escape(line), s["cell"]) for line in texts.recipients(report)]
    sign = Table(
        [[sent, [Paragraph(escape(line), s["cb"]) for line in report.issuer.signer]]],
        colWidths=[80 * mm, 92 * mm],
    )
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return sign


def render_pdf(report: YearlyReport) -> bytes:
    """Return the report as PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=texts.title(report),
        author=report.issuer.name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    doc.build(_story(report, _styles()))
    return buffer.getvalue()
