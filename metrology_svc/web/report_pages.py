"""The yearly report page: reports.service figures as tables and SVG charts, XLSX and PDF."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session, col, select

from metrology_svc.auth.principal import Principal
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import service
from metrology_svc.reports.download import report_file
from metrology_svc.reports.schemas import YearlyReport
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.deps import PageUser
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web", include_in_schema=False)

UnitCode = Annotated[str, Query(min_length=1, max_length=16)]
Year = Annotated[int, Query(ge=2000, le=2100)]


def report_units(session: Session, user: Principal) -> list[AdminUnit]:
    """Return the provinces and districts the user may read, province first."""
    stmt = select(AdminUnit).where(
        col(AdminUnit.level).in_([UnitLevel.PROVINCE.value, UnitLevel.DISTRICT.value])
    )
    return [u for u in session.exec(stmt.order_by(col(AdminUnit.path))) if user.covers(u.path)]


def _chart(svg: Markup, name: str) -> Markup:
    """Give a chart's title its own id, so that two charts on a page stay accessible."""
    return Markup(str(svg).replace("chart-title", f"chart-title-{name}"))  # noqa: S704


def _charts(report: YearlyReport, lang: str) -> tuple[Markup, Markup]:
    w = page_words(lang)
    en = lang == "en"
    verified = [
        (r.name_en if en else r.name_vi, {"passed": r.passed, "failed": r.failed})
        for r in report.verified_by_type
    ]
    ok = Series("passed", w["rp_passed"], "#1b6e35")
    bad = Series("failed", w["rp_failed"], "#b3261e")
    due = [
        (
            r.name_en if en else r.name_vi,
            {"overdue": r.overdue, "due_soon": r.due_soon, "never": r.never_verified},
        )
        for r in report.due.by_type
    ]
    due_series = [
        Series("overdue", w["rp_overdue"], "#b3261e"),
        Series("due_soon", w["rp_due_soon"], "#c77700"),
        Series("never", w["rp_never"], "#5f6368"),
    ]
    return (
        _chart(stacked_bars(verified, [ok, bad], title=w["rp_chart_verified"]), "verified"),
        _chart(stacked_bars(due, due_series, title=w["rp_chart_due"]), "due"),
    )


@router.get("/reports/yearly", response_class=HTMLResponse)
def yearly_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    unit_code: Annotated[str | None, Query(max_length=16)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    """Show the yearly report of a district or province (inspectors: their units only)."""
    units = report_units(session, user)
    year = year or today.year
    code = unit_code or (units[0].code if units else None)
    report: YearlyReport | None = None
    if code:
        report = service.yearly_report(
            session, user, unit_code=code, year=year, today=today, settings=settings
        )
    lang = lang_of(request)
    charts = _charts(report, lang) if report else None
    return render(
        request,
        "report_yearly.html.j2",
        user=user,
        w=page_words(lang),
        units=units,
        unit_code=code or "",
        year=year,
        years=list(range(today.year, today.year - 6, -1)),
        report=report,
        charts=charts,
    )


def _report(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    unit_code: UnitCode,
    year: Year,
) -> YearlyReport:
    return service.yearly_report(
        session, user, unit_code=unit_code, year=year, today=today, settings=settings
    )


ReportDep = Annotated[YearlyReport, Depends(_report)]
# Like every rendered page (render.py), a download behind the login is kept by no cache.
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/reports/yearly.xlsx")
def yearly_xlsx(report: ReportDep, settings: SettingsDep) -> Response:
    """The same workbook as GET /api/v1/reports/yearly.xlsx, for the logged-in browser."""
    return report_file(report, "xlsx", authority=settings.notice_authority_vi, headers=NO_STORE)


@router.get("/reports/yearly.pdf")
def yearly_pdf(report: ReportDep, settings: SettingsDep) -> Response:
    """The same PDF as GET /api/v1/reports/yearly.pdf, for the logged-in browser."""
    return report_file(report, "pdf", authority=settings.notice_authority_vi, headers=NO_STORE)
