"""HTTP endpoints for the yearly report: JSON, XLSX and PDF."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import service
from metrology_svc.reports.download import report_file
from metrology_svc.reports.schemas import YearlyReport

router = APIRouter(prefix="/reports", tags=["reports"])

UnitCode = Annotated[
    str,
    Query(
        min_length=1,
        max_length=24,
        description="A province or commune code (e.g. 42, 18754); for a year before 2025 a "
        "unit of the list then, its list named if need be (e.g. 2004:449)",
    ),
]
Year = Annotated[int, Query(ge=2000, le=2100)]


def _report(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    unit_code: UnitCode,
    year: Year,
) -> YearlyReport:
    return service.yearly_report(
        session, user, unit_code=unit_code, year=year, today=today, settings=settings
    )


# The report the query asks for, built once per request for whichever format is wanted.
ReportDep = Annotated[YearlyReport, Depends(_report)]


@router.get("/yearly", response_model=YearlyReport)
def yearly(report: ReportDep) -> YearlyReport:
    """Return the yearly report of a province or commune, or for a year before 2025 of a
    unit of that time (inspectors: their units only)."""
    return report


@router.get("/yearly.xlsx", response_class=Response)
def yearly_xlsx(report: ReportDep) -> Response:
    """Return the yearly report as a workbook: a sheet per section and a bar chart."""
    return report_file(report, "xlsx")


@router.get("/yearly.pdf", response_class=Response)
def yearly_pdf(report: ReportDep) -> Response:
    """Return the yearly report as a printable PDF in the offices' usual form."""
    return report_file(report, "pdf")
