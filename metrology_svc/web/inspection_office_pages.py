"""The office page of a state inspection's procedure: its decision (quyết định kiểm tra), team
(đoàn kiểm tra), what was recorded, closing (kết thúc) and the papers (biên bản, thông báo).

Each form posts to a route that calls the same function as the API route (inspections.procedure
record_decision / set_team, inspections.service close_inspection); the PDFs come from the API's
own route functions, reached here with the session cookie instead of a bearer token.
"""

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Forbidden
from metrology_svc.core.pagination import PageParams
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.inspection_papers import router as papers
from metrology_svc.inspections import procedure, service
from metrology_svc.inspections.models import MemberRole, PartyKind, PartySignature
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import CloseIn, DecisionIn, InspectionDetail, TeamIn
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.measurement_checks import service as checks
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.forms import clean, form_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.inspection_office_texts import words
from metrology_svc.web.render import render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web/inspections", include_in_schema=False)

DECISION_FIELDS = [
    "decided_on", "issuer_level", "signer_position", "signer_name", "party_kind", "owner_id",
    "organisation_name", "party_address", "representative_name", "representative_position",
    "inspect_from", "inspect_to", "place",
]  # fmt: skip
DATES = ("decided_on", "inspect_from", "inspect_to")
CLOSE_FIELDS = ["party_signature", "refusal_note", "conclusion"]
MEMBER_FIELDS = ["role", "name", "title", "agency", "certificate_no"]
TEAM_ROWS = 6  # rows offered when the team is smaller
MAX_ROWS = 40
DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
NO_STORE = {"Cache-Control": "no-store"}
Values = dict[str, Any]


def _url(inspection_id: int) -> str:
    return f"/web/inspections/{inspection_id}/procedure"


def _iso(value: str) -> str:
    """Read a date typed dd/mm/yyyy (as Vietnamese offices write it) as ISO; leave others."""
    found = DMY.fullmatch(value)
    return f"{found[3]}-{int(found[2]):02d}-{int(found[1]):02d}" if found else value


def _may_write(user: Principal, path: str) -> bool:
    try:
        user.require_write(path)
    except Forbidden:
        return False
    return True


def _owners_at(session: Session, site_id: int) -> list[tuple[int, str]]:
    """Return the owners with an instrument at the site (the party a decision may name)."""
    rows, _ = InstrumentRepository(session).page(
        InstrumentFilter(site_id=site_id), PageParams(limit=1000)
    )
    repo, out = OwnerRepository(session), []
    for owner_id in sorted({i.owner_id for i in rows if i.owner_id is not None}):
        owner = repo.get(owner_id)
        if owner is not None:
            out.append((owner_id, owner.trade_name or owner.name))
    return out


def _label(instrument: Instrument | None, instrument_id: int | None) -> str:
    if instrument_id is None:
        return "—"
    if instrument is None:
        return f"#{instrument_id}"
    name = " ".join(p for p in (instrument.manufacturer, instrument.model or "") if p)
    return f"{name}, số {instrument.serial} (#{instrument_id})"


def _dmy(value: Any) -> str:
    return f"{value:%d/%m/%Y}"


def _decision_values(i: InspectionDetail, site_place: str) -> Values:
    """Return the decision form's values (dates dd/mm/yyyy): the stored decision's, or the
    inspection's day and site."""
    d = i.decision
    if d is None:
        day = _dmy(i.inspected_on)
        return {
            "decided_on": day, "issuer_level": "province", "party_kind": "organisation",
            "inspect_from": day, "inspect_to": day, "place": site_place, "legal_bases": "",
        }  # fmt: skip
    values = d.model_dump(mode="json")
    values.update({k: _dmy(getattr(d, k)) for k in DATES})
    values["legal_bases"] = "\n".join(d.legal_bases)
    organisation = d.party_kind is PartyKind.ORGANISATION
    values["organisation_name"] = d.party_name if organisation else ""
    return values


def _team_values(i: InspectionDetail) -> list[Values]:
    rows: list[Values] = [m.model_dump(mode="json") for m in i.team]
    while len(rows) < max(TEAM_ROWS, len(i.team) + 2):
        rows.append({"role": "leader" if not rows else "member"})
    return rows


def _missing(i: InspectionDetail) -> list[str]:
    out = [] if i.decision else ["po_missing_decision"]
    if not any(m.role is MemberRole.LEADER for m in i.team):
        out.append("po_missing_leader")
    return out


def _general(errors: dict[str, str], fields: set[str]) -> list[str]:
    """Return the messages that belong to no field shown (they go above the form)."""
    return [m for k, m in errors.items() if k not in fields]


def _values(i: InspectionDetail, place: str, posted: dict[str, Any]) -> dict[str, Any]:
    """Return each form's values: as posted when it came back with errors, else as stored."""
    close = {"party_signature": i.party_signature, "refusal_note": i.refusal_note}
    return {
        "decision": _decision_values(i, place),
        "team": _team_values(i),
        "close": {**close, "conclusion": i.conclusion},
        **posted,
    }


def _page(
    request: Request,
    session: Session,
    user: Principal,
    inspection_id: int,
    *,
    posted: dict[str, Any] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
) -> HTMLResponse:
    placed = service.get_inspection(session, user, inspection_id)
    (_, site, unit), i = placed, service.detail(session, placed)
    done = checks.list_checks(session, user, inspection_id)
    ids = [f.instrument_id for f in i.findings] + [m.instrument_id for m in i.measures]
    ids += [c.instrument_id for c in done]
    instruments = InspectionRepository(session).instruments([n for n in ids if n is not None])
    errors = errors or {}
    values = _values(i, ", ".join(p for p in (site.name, site.address) if p), posted or {})
    team_keys = {f"members.{n}.{f}" for n in range(len(values["team"])) for f in MEMBER_FIELDS}
    lang = lang_of(request)
    return render(
        request,
        "inspection_office.html.j2",
        user=user,
        w={**page_words(lang), **words(lang)},
        i=i,
        unit=unit,
        writable=_may_write(user, unit.path) and i.closed_at is None,
        owners=_owners_at(session, site.id or 0),
        checks=[checks.public(c) for c in done],
        label=lambda n: _label(instruments.get(n or 0), n),
        missing=_missing(i),
        values=values,
        errors=errors,
        general={
            "decision": _general(errors.get("decision", {}), {*DECISION_FIELDS, "legal_bases"}),
            "team": _general(errors.get("team", {}), team_keys),
            "close": _general(errors.get("close", {}), set(CLOSE_FIELDS)),
        },
        saved=request.query_params.get("saved", ""),
        signatures=[s.value for s in PartySignature],
        roles=[r.value for r in MemberRole],
        status_code=422 if any(errors.values()) else 200,
    )


@router.get("/{inspection_id}/procedure", response_class=HTMLResponse)
def procedure_page(
    inspection_id: int, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    """The procedure page: decision, team, findings, measures and checks, closing, papers."""
    return _page(request, session, user, inspection_id)


def _decision_form(form: dict[str, str]) -> Values:
    """Return the decision form as posted (stripped; empty fields as None)."""
    return {**clean(form, DECISION_FIELDS), "legal_bases": form.get("legal_bases") or ""}


def _decision_in(values: Values) -> DecisionIn:
    data = {k: _iso(v) if k in DATES else v for k, v in values.items() if v is not None}
    data["legal_bases"] = [b.strip() for b in values["legal_bases"].splitlines() if b.strip()]
    return DecisionIn.model_validate(data)


@router.post("/{inspection_id}/procedure/decision", response_class=HTMLResponse)
def post_decision(
    inspection_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    today: TodayDep,
    form: FormDep,
) -> Response:
    """Record the decision and the party through procedure.record_decision (as PUT …/decision)."""
    service.get_inspection(session, user, inspection_id)  # another unit's: refused, not shown
    values = _decision_form(form)
    with form_errors(lang=lang_of(request)) as errors:
        data = _decision_in(values)
        with session.begin_nested():
            procedure.record_decision(
                session, user, inspection_id, data, settings=settings, today=today
            )
        return RedirectResponse(f"{_url(inspection_id)}?saved=decision#decision", 303)
    return _page(
        request, session, user, inspection_id,
        posted={"decision": values}, errors={"decision": errors},
    )  # fmt: skip


def _team_rows(form: dict[str, str]) -> list[Values]:
    """Return every row of the team form as posted (stripped; empty cells as None)."""
    rows = []
    for n in range(MAX_ROWS):
        if f"members.{n}.role" not in form and f"members.{n}.name" not in form:
            break
        rows.append(
            {f: (form.get(f"members.{n}.{f}") or "").strip() or None for f in MEMBER_FIELDS}
        )
    return rows


def _renumber(errors: dict[str, str], origin: list[int]) -> dict[str, str]:
    """Point the errors of members.k (k-th member sent) at the form row it came from."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) > 2 and parts[0] == "members" and parts[1].isdigit():
            k = int(parts[1])
            parts[1] = str(origin[k]) if k < len(origin) else parts[1]
        out.setdefault(".".join(parts), message)
    return out


@router.post("/{inspection_id}/procedure/team", response_class=HTMLResponse)
def post_team(
    inspection_id: int, request: Request, session: SessionDep, user: PageUser, form: FormDep
) -> Response:
    """Put the team in place through procedure.set_team (as PUT …/team); empty rows skipped."""
    service.get_inspection(session, user, inspection_id)
    rows = _team_rows(form)
    origin = [n for n, r in enumerate(rows) if any(r[f] for f in MEMBER_FIELDS if f != "role")]
    with form_errors(lang=lang_of(request)) as errors:
        members = [{k: v for k, v in rows[n].items() if v is not None} for n in origin]
        data = TeamIn.model_validate({"members": members})
        with session.begin_nested():
            procedure.set_team(session, user, inspection_id, data)
        return RedirectResponse(f"{_url(inspection_id)}?saved=team#team", 303)
    padded = rows + [{"role": "member"}] * max(0, TEAM_ROWS - len(rows))
    return _page(
        request, session, user, inspection_id,
        posted={"team": padded}, errors={"team": _renumber(errors, origin)},
    )  # fmt: skip


@router.post("/{inspection_id}/procedure/close", response_class=HTMLResponse)
def post_close(
    inspection_id: int, request: Request, session: SessionDep, user: PageUser, form: FormDep
) -> Response:
    """Close the inspection through service.close_inspection (as POST …/close) with CloseIn."""
    service.get_inspection(session, user, inspection_id)
    values = clean(form, CLOSE_FIELDS)
    with form_errors(lang=lang_of(request)) as errors:
        data = CloseIn.model_validate(
            {
                "party_signature": values["party_signature"],
                "refusal_note": values["refusal_note"] or "",
                "conclusion": values["conclusion"] or "",
            }
        )
        with session.begin_nested():
            service.close_inspection(session, user, inspection_id, data)
        return RedirectResponse(f"{_url(inspection_id)}?saved=close#close", 303)
    return _page(
        request, session, user, inspection_id,
        posted={"close": values}, errors={"close": errors},
    )  # fmt: skip


@router.get("/{inspection_id}/minutes.pdf")
def minutes_pdf(
    inspection_id: int, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """The same PDF as GET /api/v1/inspections/{id}/minutes.pdf, for the logged-in browser."""
    response = papers.minutes_pdf(inspection_id, session, user, settings)
    response.headers.update(NO_STORE)
    return response


@router.get("/{inspection_id}/result-notice.pdf")
def result_notice_pdf(
    inspection_id: int, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """The same PDF as GET /api/v1/inspections/{id}/result-notice.pdf, for the browser."""
    response = papers.result_notice_pdf(inspection_id, session, user, settings)
    response.headers.update(NO_STORE)
    return response
