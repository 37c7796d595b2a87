"""The verification rounds page (lịch kiểm định): the round schedules.round_service proposes for
a unit and a window, day by day, its XLSX and PDF, and the office's days off (admins add and
delete them).

The API's own pieces do the work: its query class checks the unit, the reader and the window
(schedules.router.RoundQuery), its route functions list the days off and render the files
(they read the request's user only through their arguments, so the session cookie's user is
passed in), and the days off are added and removed by the service functions its routes call.
"""

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.service import current_scheme, unit_by_code
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.forms import form_errors, pydantic_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.queries import provinces_with_sites, units_of
from metrology_svc.web.render import render
from metrology_svc.web.round_texts import WEEKDAYS_EN, words
from schedules import round_service
from schedules.rounds import NOT_TO_BE_USED, RoundInstrument, Urgency, day_label, reason_vi
from schedules.rounds import urgency as urgency_of
from schedules.router import (
    DayOffId,
    RoundQuery,
    UnitCode,
    export_round,
    list_days_off,
    print_round,
)
from schedules.schemas import DayOffCreate, DayOffPublic

router = APIRouter(prefix="/web/rounds", include_in_schema=False)
QUERY = ("unit_code", "from", "to", "capacity")  # GET /api/v1/rounds's parameters
OFF_FIELDS = ("unit_code", "day", "reason")
NO_STORE = {"Cache-Control": "no-store"}  # a file behind the login, like every page


class RoundForm(BaseModel):
    """The round's query as GET /api/v1/rounds takes it, read from the page's form."""

    model_config = ConfigDict(str_strip_whitespace=True)

    unit_code: UnitCode
    first: date | None = Field(default=None, alias="from")
    last: date | None = Field(default=None, alias="to")
    capacity: int = Field(default=40, ge=1, le=1000)  # the API's bounds


def asked(params: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """Return the round's fields of a query or form (empty ones left out)."""
    found = {k: (params.get(prefix + k) or "").strip() for k in QUERY}
    return {k: v for k, v in found.items() if v}


def round_query(
    session: Session, user: Principal, today: date, fields: Mapping[str, str]
) -> RoundQuery:
    """Check a round's query as the API does: a ValidationError for a malformed field, a
    domain error for an unknown unit, a window the API refuses or a unit outside the user's."""
    form = RoundForm.model_validate(fields)
    return RoundQuery(
        session=session,
        user=user,
        today=today,
        unit_code=form.unit_code,
        date_from=form.first,
        date_to=form.last,
        capacity=form.capacity,
    )


def _download_query(
    request: Request, session: SessionDep, user: PageUser, today: TodayDep
) -> RoundQuery:
    try:
        return round_query(session, user, today, asked(request.query_params))
    except ValidationError as exc:
        vi, en = (pydantic_errors(exc, lang=lang) for lang in ("vi", "en"))
        key = next(iter(vi))
        raise Invalid(f"{key}: {en[key]}", message_vi=f"{key}: {vi[key]}", loc=[key]) from None


DownloadQuery = Annotated[RoundQuery, Depends(_download_query)]


@router.get("/export.xlsx")
def rounds_xlsx(query: DownloadQuery) -> Response:
    """The working plan of GET /api/v1/rounds/export.xlsx, for the logged-in browser."""
    response = export_round(query)
    response.headers.update(NO_STORE)
    return response


@router.get("/plan.pdf")
def rounds_pdf(query: DownloadQuery, settings: SettingsDep) -> Response:
    """The office's plan of GET /api/v1/rounds/plan.pdf (staff who may write), for the browser."""
    response = print_round(query, settings)
    response.headers.update(NO_STORE)
    return response


def _units(session: Session, user: Principal) -> list[AdminUnit]:
    """Return the provinces (with sites) and their communes in force that the user may read."""
    found = units_of(
        session,
        scheme=current_scheme(session).key,
        levels=(UnitLevel.PROVINCE, UnitLevel.COMMUNE),
        provinces=provinces_with_sites(session),
    )
    return [u for u in found if user.covers(u.path)]


def _reason(item: RoundInstrument, *, first: date, lang: str) -> str:
    """Return why an instrument is in the round (the plan's Vietnamese words, or English)."""
    if lang != "en":
        return reason_vi(item, first=first)
    w, kind = words("en"), urgency_of(item, first=first)
    if kind is Urgency.FAILED:
        return w["rs_failed"]
    if item.status == NOT_TO_BE_USED:
        return w["rs_not_to_be_used"]
    if kind is Urgency.NEVER_VERIFIED or item.due_date is None:
        return w["rs_never"]
    if kind is Urgency.OVERDUE:
        return w["rs_overdue"].format(days=(first - item.due_date).days)
    return w["rs_due"]


def _day(day: date, lang: str) -> str:
    return f"{WEEKDAYS_EN[day.weekday()]}, {day:%d/%m/%Y}" if lang == "en" else day_label(day)


def _link(query: RoundQuery) -> str:
    """Return the API's parameters of a checked round (its files are asked with them)."""
    first, last = query.first.isoformat(), query.last.isoformat()
    return urlencode(
        {"unit_code": query.unit_code, "from": first, "to": last, "capacity": query.capacity}
    )


def _year(text: str | None, today: date) -> int:
    """Return the year of a day as typed (this year if it is not a day)."""
    try:
        return date.fromisoformat(text or "").year
    except ValueError:
        return today.year


def _page(
    request: Request,
    session: Session,
    user: Principal,
    today: date,
    *,
    fields: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    off_values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render the form, the proposed round when one is asked for, and the year's days off."""
    lang = lang_of(request)
    units = _units(session, user)
    shown: dict[str, str] = dict(errors or {})
    query, book = None, None
    if fields.get("unit_code"):
        with form_errors(lang=lang) as found:
            query = round_query(session, user, today, fields)
            book = query.book()
        shown |= found
    unit_code = query.unit_code if query else fields.get("unit_code", "")
    if not unit_code and units:  # nothing asked yet: the first unit offered
        unit_code = units[0].code
    year = query.first.year if query else _year(fields.get("from"), today)
    days_off: list[DayOffPublic] = []
    if unit_code and "unit_code" not in shown:
        # The API's list: the public holidays and the offices' days off of the year.
        with form_errors(lang=lang) as more:
            first, last = date(year, 1, 1), date(year, 12, 31)
            days_off = list_days_off(session, user, today, unit_code, first, last)
        shown |= more
    status_code = 422 if shown and status_code == 200 else status_code
    values = {"from": today.isoformat(), "capacity": "40", "unit_code": unit_code, **fields}
    context: dict[str, Any] = {
        "units": units,
        "values": values,
        "errors": shown,
        "book": book,
        "link": _link(query) if query else "",
        "back": {f"q_{k}": v for k, v in fields.items()},
        "days_off": days_off,
        "off_year": year,
        "off_values": {"unit_code": unit_code, **(off_values or {})},
        "said": request.query_params.get("said"),
        "day_name": lambda day: _day(day, lang),
        "reason": lambda item: _reason(item, first=book.first if book else today, lang=lang),
    }
    return render(
        request, "rounds.html.j2", user=user, status_code=status_code, w=words(lang), **context
    )


@router.get("", response_class=HTMLResponse)
def rounds_page(
    request: Request, session: SessionDep, user: PageUser, today: TodayDep
) -> HTMLResponse:
    """Show the form and, once a unit is chosen, the proposed round for the window (as GET
    /api/v1/rounds: inspectors their units only), with the year's days off."""
    return _page(request, session, user, today, fields=asked(request.query_params))


def _back(form: Mapping[str, str], said: str) -> RedirectResponse:
    query = urlencode({**asked(form, prefix="q_"), "said": said})
    return RedirectResponse(f"/web/rounds?{query}", status_code=303)


@router.post("/days-off", response_class=HTMLResponse)
def add_day_off(
    request: Request, session: SessionDep, user: PageUser, today: TodayDep, form: FormDep
) -> Response:
    """Declare an office's day off (admin), as POST /api/v1/rounds/days-off does."""
    user.require_admin()
    values = {k: form.get(k, "") for k in OFF_FIELDS}
    with form_errors(lang=lang_of(request)) as errors:
        data = DayOffCreate.model_validate(values)
        unit = unit_by_code(session, data.unit_code, loc=["body", "unit_code"])
        round_service.add_day_off(session, user, unit=unit, day=data.day, reason=data.reason)
    if not errors:
        return _back(form, "added")
    return _page(
        request,
        session,
        user,
        today,
        fields=asked(form, prefix="q_"),
        errors={f"off_{k}": v for k, v in errors.items()},
        off_values=values,
        status_code=409 if "__all__" in errors else 422,
    )


@router.post("/days-off/{day_off_id}/delete")
def delete_day_off(
    day_off_id: DayOffId, session: SessionDep, user: PageUser, form: FormDep
) -> Response:
    """Remove an office's day off (admin), as DELETE /api/v1/rounds/days-off/{id} does."""
    user.require_admin()
    round_service.remove_day_off(session, user, day_off_id=day_off_id)
    return _back(form, "deleted")
