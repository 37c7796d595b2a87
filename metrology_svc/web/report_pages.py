"""The report page: a year or a period (from year to year) of reports.service as sections I-III,
the office's texts (II, III) kept and the report issued by the functions the API calls, XLSX
and PDF. The query is the API's (reports.router.ReportQuery), the years of the form its period."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import DomainError, Forbidden, Invalid
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import issuing
from metrology_svc.reports.download import report_file
from metrology_svc.reports.router import ReportQuery, ReportQueryDep, Year
from metrology_svc.reports.rules import whole_years
from metrology_svc.reports.schemas import ReportTextsIn, YearlyReport
from metrology_svc.reports.texts import number_line
from metrology_svc.settings import Settings
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.service import current_scheme, scheme_on
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.forms import domain_errors, form_errors, pydantic_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.queries import provinces_with_sites, units_of
from metrology_svc.web.render import render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web", include_in_schema=False)
TEXTS = ("achievements", "shortcomings", "next_steps", "proposals")
ASKED = ("unit_code", "year", "period_from", "period_to", "year_from", "year_to")
PENDING = "*"  # the unit before the picker's first is known (no unit has this code)
WORDS: dict[str, tuple[str, str]] = {
    "rp_year_from": ("Từ năm", "From year"),
    "rp_year_to": ("Đến năm", "To year"),
    "rp_part1": ("I. Kết quả thực hiện", "I. Results"),
    "rp_part2": ("II. Đánh giá chung", "II. Assessment"),
    "rp_part3": (
        "III. Nhiệm vụ, giải pháp trong thời gian tới và kiến nghị",
        "III. Next steps and proposals",
    ),
    "rp_achievements": ("1. Kết quả đạt được", "1. What was achieved"),
    "rp_shortcomings": ("2. Tồn tại, hạn chế và nguyên nhân", "2. Shortcomings and their causes"),
    "rp_next_steps": ("1. Nhiệm vụ, giải pháp", "1. Tasks and measures"),
    "rp_proposals": ("2. Kiến nghị, đề xuất", "2. Proposals"),
    "rp_due": ("Đến hạn và quá hạn cuối kỳ", "Due and overdue at the end of the period"),
    "rp_edit": ("Soạn mục II, III", "Write sections II and III"),
    "rp_unwritten": ("(chưa viết)", "(not written yet)"),
    "rp_texts_hint": (
        "Mục II, III do cơ quan soạn và được lưu cùng báo cáo; bản PDF in đúng nội dung này.",
        "Sections II and III are the office's own words, kept with the report; the PDF prints "
        "them.",
    ),
    "rp_save": ("Lưu mục II, III", "Save sections II and III"),
    "rp_saved": ("Đã lưu mục II, III.", "Sections II and III were saved."),
    "rp_issue": ("Ban hành (lấy số)", "Issue (take a number)"),
    "rp_issue_hint": (
        "Ban hành: báo cáo lấy số tiếp theo trong sổ văn bản (BC) của cơ quan ban hành; in lại "
        "giữ nguyên số, ngày và nội dung mục II, III.",
        "Issuing gives the report the next number of the issuing body's register (BC); a "
        "reprint keeps the number, the date and sections II and III.",
    ),
    "rp_draft": ("Dự thảo, chưa lấy số", "Draft, no number yet"),
    "rp_issued_on": ("ngày", "dated"),
    "rp_issued_now": ("Đã ban hành báo cáo", "The report was issued"),
    "rp_kept": (
        "Báo cáo đã ban hành: nội dung mục II, III được giữ nguyên.",
        "The report is issued: sections II and III stay as issued.",
    ),
    "rp_hint_period": (
        "Một năm: chọn cùng một năm; giai đoạn (ví dụ 2021–2025): từ năm đến năm.",
        "One year: the same year twice; a period (e.g. 2021–2025): from year to year.",
    ),
}


def words(lang: str) -> dict[str, str]:
    """Return the report and layout words in one language (Vietnamese unless English)."""
    n = 1 if lang == "en" else 0
    return page_words(lang) | {k: v[n] for k, v in WORDS.items()}


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


class YearSpan(BaseModel):
    """The page's period: from year to year (one of them alone is one year)."""

    year_from: Year | None = None
    year_to: Year | None = None


def page_query(asked: Mapping[str, str], *, today: date) -> ReportQuery:
    """Return the API's query for the page's: its years from-to as a year or a period, else the
    API's own year or dates, else this year (a ValidationError names the field at fault)."""
    span = YearSpan.model_validate({k: asked[k] for k in ("year_from", "year_to") if asked.get(k)})
    data: dict[str, Any] = {
        k: asked[k] for k in ("year", "period_from", "period_to") if asked.get(k)
    }
    first, last = span.year_from or span.year_to, span.year_to or span.year_from
    if first is not None and last is not None:
        data = {"year": first} if first == last else {}
        if first != last:
            data = {"period_from": date(first, 1, 1), "period_to": date(last, 12, 31)}
    unit = asked.get("unit_code") or PENDING
    return ReportQuery.model_validate({"year": today.year} | data | {"unit_code": unit})


def _link(report: YearlyReport) -> str:
    """Return the query naming a report (the one its page, files and forms use)."""
    code = (f"{report.unit.scheme}:" if report.unit.former else "") + report.unit.code
    first, last = report.period_from, report.period_to
    if whole_years(first, last) and first.year == last.year:
        return urlencode({"unit_code": code, "year": last.year})
    return urlencode({"unit_code": code, "period_from": first, "period_to": last})


def _period_label(report: YearlyReport, lang: str) -> str:
    first, last = report.period_from, report.period_to
    if lang != "en":
        return report.period
    if whole_years(first, last):
        return str(last.year) if first.year == last.year else f"{first.year}–{last.year}"
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


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


@dataclass
class _Ask:
    """What the page was asked for, and what came of it."""

    query: ReportQuery | None = None
    units: list[Choice] | None = None
    report: YearlyReport | None = None
    refusal: Invalid | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _build(
    session: Session,
    user: Principal,
    asked: Mapping[str, str],
    *,
    today: date,
    settings: Settings,
    lang: str,
) -> _Ask:
    """Check the page's query (its faults kept by field), offer the units of its period and
    build the report (a refusal kept to be shown)."""
    out = _Ask()
    with form_errors(lang=lang) as found:
        out.query = page_query(asked, today=today)
    out.errors = found
    query = out.query
    try:
        last = query.period()[1] if query and not found else today
        out.units = report_units(session, user, year=last.year, today=today)
        if query is None or found:
            return out
        if query.unit_code == PENDING:
            if not out.units:
                return out
            query = out.query = query.model_copy(update={"unit_code": out.units[0].value})
        out.report = query.report(session, user, today=today, settings=settings)
    except Invalid as exc:
        out.refusal = exc
        if out.units is None:
            out.units = report_units(session, user, year=today.year, today=today)
    return out


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    today: date,
    user: Principal,
    asked: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = lang_of(request)
    built = _build(session, user, asked, today=today, settings=settings, lang=lang)
    field_errors = built.errors | dict(errors or {})
    report, refusal = built.report, built.refusal
    if status_code == 200 and (refusal or field_errors):
        status_code = refusal.status_code if refusal else 422
    first = report.period_from.year if report else asked.get("year_from") or asked.get("year")
    last = report.period_to.year if report else asked.get("year_to") or asked.get("year")
    kept = report.texts.model_dump() if report else {}
    return render(
        request,
        "report_yearly.html.j2",
        status_code=status_code,
        user=user,
        w=words(lang),
        units=built.units or [],
        now_group=current_scheme(session).key,
        unit_code=_selected(built.units or [], report, asked.get("unit_code", "")),
        year_from=first or today.year,
        year_to=last or first or today.year,
        report=report,
        period=_period_label(report, lang) if report else "",
        number=number_line(report) if report else "",
        link=_link(report) if report else "",
        hidden=parse_qsl(_link(report)) if report else [],
        refusal=(refusal.message_vi if lang == "vi" else refusal.message) if refusal else "",
        errors=field_errors,
        values=kept | dict(values or {}),
        said=request.query_params.get("said"),
        charts=_charts(report, lang) if report else None,
    )


@router.get("/reports/yearly", response_class=HTMLResponse)
def yearly_page(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, user: PageUser
) -> HTMLResponse:
    """Show the report of a province or commune for a year or a period (from year to year),
    or for a period before 2025 of a unit of that time (inspectors: their units only); a unit
    that did not exist then is refused on the page, naming what to use instead."""
    asked = {k: (request.query_params.get(k) or "").strip() for k in ASKED}
    return _page(request, session, settings, today, user, {k: v for k, v in asked.items() if v})


def _back(report: YearlyReport, said: str) -> RedirectResponse:
    return RedirectResponse(f"/web/reports/yearly?{_link(report)}&said={said}", status_code=303)


def _posted(form: Mapping[str, str]) -> dict[str, str]:
    """Return the report a form names (the query its page was shown for)."""
    found = {k: form.get(k, "").strip() for k in ("unit_code", "year", "period_from", "period_to")}
    return {k: v for k, v in found.items() if v}


def _form_query(form: Mapping[str, str]) -> ReportQuery:
    """Return the report a form names, refusing a malformed one as the API does (422)."""
    try:
        return ReportQuery.model_validate(_posted(form))
    except ValidationError as exc:
        vi, en = (pydantic_errors(exc, lang=lang) for lang in ("vi", "en"))
        key = next(iter(vi))
        raise Invalid(f"{key}: {en[key]}", message_vi=f"{key}: {vi[key]}", loc=[key]) from None


@router.post("/reports/texts", response_class=HTMLResponse)
def save_texts(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    """Keep the office's sections II and III with the report, as PUT /api/v1/reports/texts."""
    user.require_write()
    values = {k: form.get(k, "") for k in TEXTS}
    lang = lang_of(request)
    try:
        first, last = _form_query(form).period()
        data = ReportTextsIn.model_validate(
            {
                **values,
                "unit_code": form.get("unit_code", ""),
                "period_from": first,
                "period_to": last,
            }
        )
        report = issuing.save_texts(session, user, data, today=today, settings=settings)
        errors: dict[str, str] = {}
    except ValidationError as exc:
        errors, status = pydantic_errors(exc, lang=lang), 422
    except Forbidden:
        raise
    except DomainError as exc:  # an issued report's texts are kept (409), a period refused
        errors, status = domain_errors(exc, lang=lang), exc.status_code
    if not errors:
        return _back(report, "saved")
    return _page(
        request, session, settings, today, user, _posted(form), errors=errors, values=values,
        status_code=status,
    )  # fmt: skip


@router.post("/reports/issue")
def issue(
    session: SessionDep, settings: SettingsDep, today: TodayDep, user: PageUser, form: FormDep
) -> Response:
    """Issue the report (its number from the register), as POST /api/v1/reports/issue."""
    user.require_write()
    query = _form_query(form)
    first, last = query.period()
    report = issuing.issue(
        session, user, unit_code=query.unit_code, first=first, last=last, today=today,
        settings=settings,
    )  # fmt: skip
    return _back(report, "issued")


def _report(
    query: ReportQueryDep,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
) -> YearlyReport:
    return query.report(session, user, today=today, settings=settings)


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
