"""HTTP endpoints for the yearly report: JSON, XLSX and PDF."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import service
from metrology_svc.reports.pdf import render_pdf
from metrology_svc.reports.schemas import YearlyReport
from metrology_svc.reports.xlsx import render_xlsx

router = APIRouter(prefix="/reports", tags=["reports"])

UnitCode = Annotated[str, Query(min_length=1, max_length=16, description="e.g. 436 or 42")]
Year = Annotated[int, Query(ge=2000, le=2100)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _build(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    unit_code: str,
    year: int,
) -> YearlyReport:
    return service.yearly_report(
        session,
        user,
        unit_code=unit_code,
        year=year,
        today=today,
        due_soon_days=settings.due_soon_days,
    )


def _attachment(report: YearlyReport, ext: str) -> dict[str, str]:
    name = f"bao-cao-do-luong-{report.unit.code}-{report.year}.{ext}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/yearly", response_model=YearlyReport)
def yearly(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    unit_code: UnitCode,
    year: Year,
) -> YearlyReport:
    """Return the yearly report of a district or province (inspectors: their units only)."""
    return _build(session, user, settings, today, unit_code, year)


@router.get("/yearly.xlsx", response_class=Response)
def yearly_xlsx(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    unit_code: UnitCode,
    year: Year,
) -> Response:
    """Return the yearly report as a workbook: a sheet per section and a bar chart."""
    report = _build(session, user, settings, today, unit_code, year)
    body = render_xlsx(report, authority=settings.notice_authority_vi)
    return Response(body, media_type=XLSX, headers=_attachment(report, "xlsx"))


@router.get("/yearly.pdf", response_class=Response)
def yearly_pdf(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    unit_code: UnitCode,
    year: Year,
) -> Response:
    """Return the yearly report as a printable PDF in the offices' usual form."""
    report = _build(session, user, settings, today, unit_code, year)
    body = render_pdf(report, authority=settings.notice_authority_vi)
    return Response(body, media_type="application/pdf", headers=_attachment(report, "pdf"))
