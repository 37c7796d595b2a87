"""The report page (a year, or any period with period_from/period_to): reports.service
figures as tables and SVG charts, XLSX and PDF."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import service
from metrology_svc.reports.download import report_file
from metrology_svc.reports.schemas import YearlyReport
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.service import current_scheme, scheme_on
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.deps import PageUser
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.queries import provinces_with_sites, units_of
from metrology_svc.web.render import render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web", include_in_schema=False)

UnitCode = Annotated[str, Query(min_length=1, max_length=24)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
# A report over any period (e.g. 2021-01-01 to 2025-12-31) instead of one year.
From = Annotated[date | None, Query()]
To = Annotated[date | None, Query()]


@dataclass(frozen=True)
class Choice:
    """A unit the report page offers: the value the form sends and its label."""

    value: str
    label: str
    group: str  # "2025" (units in force) or the old list's key


def report_units(session: Session, user: Principal, *, year: int, today: date) -> list[Choice]:
    """Return the units the user may report on for a year: the province and its communes of
    today's list; for a year that ended before the change, also the old province and
    districts of the list of that time (provinces with sites only)."""
    provinces = provinces_with_sites(session)
    now = current_scheme(session)
    levels = (UnitLevel.PROVINCE, UnitLevel.COMMUNE)
    found = [
        (Choice(u.code, f"{u.name} ({u.code})", now.key), u.path)
        for u in units_of(session, scheme=now.key, levels=levels, provinces=provinces)
    ]
    then = scheme_on(session, min(date(year, 12, 31), today))
    if then.key != now.key:
        listed = {path for _, path in found}
        olds = units_of(
            session,
            scheme=then.key,
            levels=(UnitLevel.PROVINCE, UnitLevel.DISTRICT),
            provinces=provinces,
        )
        found += [
            (Choice(f"{u.scheme}:{u.code}", f"{u.name} ({u.code})", then.key), u.path)
            for u in olds
            if u.path not in listed  # a province keeps its path: offered once
        ]
    return [choice for choice, path in found if user.covers(path)]


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


def _selected(choices: list[Choice], report: YearlyReport | None, asked: str) -> str:
    """Return the value of the choice the report is for (or what was asked)."""
    if report is not None:
        for choice in choices:
            code = choice.value.rsplit(":", 1)[-1]
            scheme = choice.value.split(":", 1)[0] if ":" in choice.value else choice.group
            if (code, scheme) == (report.unit.code, report.unit.scheme):
                return choice.value
    return asked


@router.get("/reports/yearly", response_class=HTMLResponse)
def yearly_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    unit_code: Annotated[str | None, Query(max_length=24)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    period_from: From = None,
    period_to: To = None,
) -> HTMLResponse:
    """Show the yearly report of a province or commune, or for a year before 2025 of a unit
    of that time (inspectors: their units only); a unit that did not exist that year is
    refused on the page, naming what to use instead."""
    year = year or (period_to.year if period_to else today.year)
    units = report_units(session, user, year=year, today=today)
    code = unit_code or (units[0].value if units else None)
    report: YearlyReport | None = None
    refusal: Invalid | None = None
    if code:
        try:
            report = service.report_for(
                session,
                user,
                unit_code=code,
                year=year,
                period_from=period_from,
                period_to=period_to,
                today=today,
                settings=settings,
            )
        except Invalid as exc:
            refusal = exc
    lang = lang_of(request)
    charts = _charts(report, lang) if report else None
    return render(
        request,
        "report_yearly.html.j2",
        status_code=refusal.status_code if refusal else 200,
        user=user,
        w=page_words(lang),
        units=units,
        now_group=current_scheme(session).key,
        unit_code=_selected(units, report, code or ""),
        year=year,
        report=report,
        refusal=(refusal.message_vi if lang == "vi" else refusal.message) if refusal else "",
        charts=charts,
    )


def _report(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    unit_code: UnitCode,
    year: Year = None,
    period_from: From = None,
    period_to: To = None,
) -> YearlyReport:
    return service.report_for(
        session,
        user,
        unit_code=unit_code,
        year=year,
        period_from=period_from,
        period_to=period_to,
        today=today,
        settings=settings,
    )


ReportDep = Annotated[YearlyReport, Depends(_report)]
# Like every rendered page (render.py), a download behind the login is kept by no cache.
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/reports/yearly.xlsx")
def yearly_xlsx(report: ReportDep) -> Response:
    """The same workbook as GET /api/v1/reports/yearly.xlsx, for the logged-in browser."""
    return report_file(report, "xlsx", headers=NO_STORE)


@router.get("/reports/yearly.pdf")
def yearly_pdf(report: ReportDep) -> Response:
    """The same PDF as GET /api/v1/reports/yearly.pdf, for the logged-in browser."""
    return report_file(report, "pdf", headers=NO_STORE)
