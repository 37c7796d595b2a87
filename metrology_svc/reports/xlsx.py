"""The yearly report as an XLSX workbook: a sheet per section, Vietnamese headers, a bar chart."""

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from metrology_svc.core.cells import text_cells
from metrology_svc.reports import texts
from metrology_svc.reports.schemas import YearlyReport

BOLD = Font(bold=True)


def _table(ws: Worksheet, title: str, header: Sequence[str], rows: list[list[Any]]) -> int:
    """Write a title, a bold header row and the rows; return the header's row number."""
    ws.append([title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
    ws.append(list(header))
    head = int(ws.max_row)
    for cell in ws[head]:
        cell.font = BOLD
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, start=1):
        letter = ws.cell(row=head, column=i).column_letter
        ws.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
    return head


def _chart(ws: Worksheet, head: int, count: int) -> None:
    """Add a bar chart of passed and failed verifications per type (columns E and F)."""
    if count == 0:
        return
    chart = BarChart()
    chart.type = "col"
    chart.title = "Kết quả kiểm định theo loại phương tiện đo"
    chart.y_axis.title = "Số lượt kiểm định"
    data = Reference(ws, min_col=5, max_col=6, min_row=head, max_row=head + count)
    cats = Reference(ws, min_col=1, min_row=head + 1, max_row=head + count)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width, chart.height = 20, 9
    ws.add_chart(chart, f"A{head + count + 4}")


def render_xlsx(report: YearlyReport) -> bytes:
    """Return the report as XLSX bytes."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Tổng hợp"
    for line in texts.heading_lines(report):
        summary.append([line])
    summary["A1"].font = BOLD
    summary.append([])
    _table(summary, texts.SUMMARY_TITLE, ("Nội dung", "Số lượng"), texts.summary_rows(report))
    summary.column_dimensions["A"].width = 60

    ws = wb.create_sheet("Kiểm định theo loại")
    rows = texts.type_rows(report)
    head = _table(ws, texts.TYPE_TITLE, texts.TYPE_HEADER, rows)
    _chart(ws, head, len(rows) - 1)  # the last row is the total: not charted
    ws.column_dimensions["A"].width = 36

    sheets: list[tuple[str, str, Sequence[str], list[list[Any]]]] = [
        ("Hình thức kiểm định", texts.KIND_TITLE, texts.KIND_HEADER, texts.kind_rows(report)),
        (
            "Đến hạn - quá hạn",
            texts.SECTION_TITLES[1],
            texts.due_header(report),
            texts.due_rows(report),
        ),
        (
            "Cân đối chứng",
            texts.SECTION_TITLES[2],
            ("Nội dung", "Số lượng"),
            texts.control_rows(report),
        ),
        (
            "Kiểm tra",
            texts.SECTION_TITLES[3],
            ("Nội dung", "Số lượng"),
            texts.inspection_rows(report),
        ),
        (
            "Kết quả kiểm tra",
            texts.SECTION_TITLES[3],
            texts.FINDING_HEADER,
            texts.finding_rows(report),
        ),
        (
            "Kiểm tra theo loại cơ sở",
            texts.SECTION_TITLES[3],
            texts.SITE_HEADER,
            texts.site_rows(report),
        ),
        (
            "Tem kiểm định",
            texts.SECTION_TITLES[4],
            ("Nội dung", "Số lượng"),
            texts.stamp_rows(report),
        ),
    ]
    for name, title, header, body in sheets:
        sheet = wb.create_sheet(name)
        _table(sheet, title, header, body)
        sheet.column_dimensions["A"].width = 40
    words = wb.create_sheet("Đánh giá - nhiệm vụ")
    _table(words, "II, III. NỘI DUNG DO CƠ QUAN LẬP", ("Mục", "Nội dung"), texts.text_rows(report))
    words.column_dimensions["B"].width = 100
    text_cells(wb)  # no text from the registry may run as a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
