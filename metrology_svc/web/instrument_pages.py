"""Instrument pages: the filtered list, the detail with its history, register and edit forms."""

import functools
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Forbidden, Invalid
from metrology_svc.core.page_query import page_params
from metrology_svc.core.pagination import PageParams
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments import service
from metrology_svc.instruments.deps import instrument_filter
from metrology_svc.instruments.models import (
    Instrument,
    InstrumentRole,
    InstrumentStatus,
)
from metrology_svc.instruments.repository import SORTABLE, InstrumentFilter, InstrumentRepository
from metrology_svc.instruments.rules import DESCRIPTION_FIELDS
from metrology_svc.instruments.schemas import InstrumentCreate, InstrumentUpdate
from metrology_svc.notices.service import notices_of_instrument
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.sites.models import Site
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.stamps import service as stamps
from metrology_svc.verifications import service as verifications
from metrology_svc.verifications.repository import VerificationRepository
from metrology_svc.web.dashboard import scope_of
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.forms import clean, form_errors
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.instrument_rows import names_of, stamp_row
from metrology_svc.web.labels import unit_text
from metrology_svc.web.numbers import INSTRUMENT_UNITS, read_quantities, shown
from metrology_svc.web.render import render
from metrology_svc.web.sentences import history_sentence

router = APIRouter(prefix="/web/instruments", include_in_schema=False)

IDENTITY = ["type_code", "serial", "manufacturer"]
DESCRIPTION = list(DESCRIPTION_FIELDS)
PLACE = ["owner_id", "site_id", "role"]
# The box that appears with a near-duplicate's message (instruments.service.NearDuplicate).
CONFIRM_DISTINCT = (
    "Đây là một phương tiện đo khác, không phải phương tiện đo đã có nêu trên",
    "This is a different instrument, not the stored one named above",
)
WHOLE_NUMBERS = ("manufactured_year", "nozzles")
INPUT_DECIMAL = dict.fromkeys(INSTRUMENT_UNITS, "decimal")
# Fields that belong to one category only: the form hides the others (a small script).
FIELD_GROUPS = {
    "scale": ["max_g", "e_g", "d_g"],
    "dispenser": ["qmin_lpm", "qmax_lpm", "nozzles", "mmq_l"],
}


def _blank_is_none(request: Request, name: str) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    return value or None


def _as(kind: type[int] | type[date], raw: str | None, name: str) -> Any:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw) if kind is date else int(raw)
    except ValueError as exc:
        raise Invalid(
            f"{name} is not valid.", message_vi=f"Giá trị {name} không hợp lệ.", loc=["query", name]
        ) from exc


def page_filter(request: Request, session: SessionDep, user: PageUser) -> InstrumentFilter:
    """Read the list filter as the API does (a form's empty fields mean no narrowing)."""
    get = functools.partial(_blank_is_none, request)
    try:
        statuses = [InstrumentStatus(s) for s in request.query_params.getlist("status") if s]
    except ValueError as exc:
        raise Invalid("Unknown status.", message_vi="Trạng thái không hợp lệ.") from exc
    return instrument_filter(
        session,
        user,
        unit_code=get("unit_code"),
        site_id=_as(int, get("site_id"), "site_id"),
        owner_id=_as(int, get("owner_id"), "owner_id"),
        type_code=get("type_code"),
        status=statuses,
        due_from=_as(date, get("due_from"), "due_from"),
        due_to=_as(date, get("due_to"), "due_to"),
        serial=get("serial"),
    )


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    flt: Annotated[InstrumentFilter, Depends(page_filter)],
    params: Annotated[PageParams, Depends(page_params)],
) -> HTMLResponse:
    """List instruments with the API's filters, sorted and paged."""
    if params.sort and params.sort.lstrip("-") not in SORTABLE:
        raise Invalid("Unknown sort field.", message_vi="Trường sắp xếp không hợp lệ.")
    rows, total = InstrumentRepository(session).page(flt, params)
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "lang")]

    def href(offset: int) -> str:
        return "/web/instruments?" + urlencode([*query, ("offset", str(offset))])

    prev = href(max(params.offset - params.limit, 0)) if params.offset > 0 else None
    nxt = href(params.offset + params.limit) if params.offset + params.limit < total else None
    return render(
        request,
        "instruments.html.j2",
        user=user,
        rows=rows,
        total=total,
        params=params,
        q=request.query_params,
        chosen=set(request.query_params.getlist("status")),
        statuses=list(InstrumentStatus),
        types=TypeRepository(session).all(),
        sites=_sites(session, user),
        prev=prev,
        next_href=nxt,
    )


def _sites(session: SessionDep, user: Principal) -> list[Site]:
    rows, _ = SiteRepository(session).page(
        params=PageParams(limit=1000), kind=None, unit_path=None, paths=scope_of(user)
    )
    return [s for s, _unit in rows]


def _form_context(session: SessionDep, user: Principal, lang: str) -> dict[str, Any]:
    owners, _ = OwnerRepository(session).page(params=PageParams(limit=1000), q=None)
    t = words(lang)
    return {
        "type_options": [
            (k.code, k.name_vi if lang == "vi" else k.name_en)
            for k in TypeRepository(session).all()
        ],
        "categories": {k.code: k.category for k in TypeRepository(session).all()},
        "field_groups": FIELD_GROUPS,
        "site_options": [(s.id, s.name) for s in _sites(session, user)],
        "owner_options": [(o.id, o.trade_name or o.name) for o in owners],
        "role_options": [(r.value, t["role_" + r.value]) for r in InstrumentRole],
        "description": DESCRIPTION,
        # Phones show the number pad for these; a quantity shows its unit beside the field.
        "input_modes": {**dict.fromkeys(WHOLE_NUMBERS, "numeric"), **INPUT_DECIMAL},
        "field_units": {k: unit_text(u, lang) for k, u in INSTRUMENT_UNITS.items()},
    }


def _show_form(
    request: Request,
    session: SessionDep,
    user: Principal,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    instrument: Instrument | None,
) -> HTMLResponse:
    return render(
        request,
        "instrument_form.html.j2",
        user=user,
        values=values,
        errors=errors,
        instrument=instrument,
        status_code=422 if errors else 200,
        confirm_label=CONFIRM_DISTINCT[0 if lang_of(request) == "vi" else 1],
        **_form_context(session, user, lang_of(request)),
    )


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Show the form that registers an instrument."""
    user.require_write()
    values = {"role": "trade", **{k: request.query_params.get(k) for k in ("site_id", "owner_id")}}
    return _show_form(request, session, user, values=values, errors={}, instrument=None)


def _read_form(values: dict[str, Any], *, lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the form's values with its quantities read exactly, and each refused one's message."""
    numbers, refused = read_quantities(values, INSTRUMENT_UNITS, lang=lang)
    return {k: numbers.get(k, v) for k, v in values.items() if k not in refused}, refused


@router.post("/new", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, user: PageUser, form: FormDep) -> Response:
    """Register an instrument through the same service as the API; errors go next to fields."""
    user.require_write()
    values = clean(form, [*IDENTITY, *DESCRIPTION, *PLACE, "confirm_distinct"])
    data, refused = _read_form(values, lang=lang_of(request))
    with form_errors(lang=lang_of(request)) as errors:
        checked = InstrumentCreate.model_validate({k: v for k, v in data.items() if v is not None})
        if not refused:
            instrument = service.create_instrument(session, user, checked)
            return RedirectResponse(f"/web/instruments/{instrument.id}?saved=1", status_code=303)
    errors.update(refused)
    return _show_form(request, session, user, values=values, errors=errors, instrument=None)


@router.get("/{instrument_id}", response_class=HTMLResponse)
def detail(
    instrument_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    today: TodayDep,
) -> HTMLResponse:
    """Show an instrument with its history, verifications, stamps, scans and notices."""
    instrument = service.get_instrument(session, user, instrument_id)
    site = SiteRepository(session).get_with_unit(instrument.site_id)
    owner = OwnerRepository(session).get(instrument.owner_id)
    kind = TypeRepository(session).get(instrument.type_code)
    lang = lang_of(request)
    its_stamps = stamps.stamps_of_instrument(session, user, instrument_id)
    events = InstrumentRepository(session).events(instrument_id)
    names = names_of(session, events, lang)
    return render(
        request,
        "instrument.html.j2",
        user=user,
        i=instrument,
        site=site[0] if site else None,
        unit=site[1] if site else None,
        owner=owner,
        kind=kind,
        events=[(e, history_sentence(e.kind, e.detail, names)) for e in events],
        verifications=[
            verifications.to_public(session, v)
            for v in VerificationRepository(session).for_instrument(instrument_id)
        ],
        stamps=[
            stamp_row(session, user, s, instrument, lang=lang, today=today, settings=settings)
            for s in its_stamps
        ],
        notices=notices_of_instrument(session, user, instrument_id),
        saved=request.query_params.get("saved") == "1",
        may_write=_may_write(session, user, instrument_id),
    )


def _may_write(session: SessionDep, user: Principal, instrument_id: int) -> bool:
    try:
        user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    except Forbidden:
        return False
    return True


@router.get("/{instrument_id}/edit", response_class=HTMLResponse)
def edit_form(
    instrument_id: int, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    """Show the form that changes an instrument's description, owner or site."""
    instrument = service.get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    values = {k: getattr(instrument, k) for k in IDENTITY + DESCRIPTION + PLACE}
    values |= {k: shown(getattr(instrument, k)) for k in INSTRUMENT_UNITS}
    return _show_form(request, session, user, values=values, errors={}, instrument=instrument)


@router.post("/{instrument_id}/edit", response_class=HTMLResponse)
def update(
    instrument_id: int, request: Request, session: SessionDep, user: PageUser, form: FormDep
) -> Response:
    """Change an instrument through the same service as the API (identity fields stay)."""
    instrument = service.get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    values = clean(form, DESCRIPTION + PLACE)
    data, refused = _read_form(values, lang=lang_of(request))
    changes = {k: v for k, v in data.items() if v is not None or k in DESCRIPTION}
    with form_errors(lang=lang_of(request)) as errors:
        checked = InstrumentUpdate.model_validate(changes)
        if not refused:
            service.update_instrument(session, user, instrument_id, checked)
            return RedirectResponse(f"/web/instruments/{instrument_id}?saved=1", status_code=303)
    errors.update(refused)
    again = {**{k: getattr(instrument, k) for k in IDENTITY}, **values}
    return _show_form(request, session, user, values=again, errors=errors, instrument=instrument)
