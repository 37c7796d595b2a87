"""The yearly report as a file to download: a workbook or a PDF, named after unit and year."""

from collections.abc import Mapping
from typing import Literal, Protocol

from fastapi import Response

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.reports.pdf import render_pdf
from metrology_svc.reports.rules import whole_years
from metrology_svc.reports.schemas import YearlyReport
from metrology_svc.reports.xlsx import render_xlsx

FileFormat = Literal["xlsx", "pdf"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Renderer(Protocol):
    def __call__(self, report: YearlyReport) -> bytes: ...


RENDERERS: dict[FileFormat, tuple[str, _Renderer]] = {
    "xlsx": (XLSX, render_xlsx),
    "pdf": ("application/pdf", render_pdf),
}


def report_file(
    report: YearlyReport,
    fmt: FileFormat,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return the report rendered as an attachment bao-cao-do-luong-<unit>-<period>.<fmt>
    (the period: 2026, 2021-2025 or 20260301-20260930; an old unit's code carries its list:
    bao-cao-do-luong-2004-449-2024.pdf)."""
    media_type, render = RENDERERS[fmt]
    code = report.unit.code
    if report.unit.former:
        code = f"{report.unit.scheme}-{code}"
    first, last = report.period_from, report.period_to
    if not whole_years(first, last):
        span = f"{first:%Y%m%d}-{last:%Y%m%d}"
    else:
        span = str(last.year) if first.year == last.year else f"{first.year}-{last.year}"
    name = f"bao-cao-do-luong-{code}-{span}.{fmt}"
    disposition = disposition_headers(name)
    body = render(report)
    return Response(body, media_type=media_type, headers={**disposition, **(headers or {})})
