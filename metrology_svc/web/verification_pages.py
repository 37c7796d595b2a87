"""Verification entry: test points judged as you type (the same rules), recorded by the service."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.instruments import service as instruments
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.stamps import rules as stamp_rules
from metrology_svc.stamps import service as stamps
from metrology_svc.stamps import sheet
from metrology_svc.stamps.runtime import runtime_of
from metrology_svc.verifications import service as verifications
from metrology_svc.verifications.models import VerificationKind
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.web.deps import FormDep, PageUser, PostedDep
from metrology_svc.web.forms import clean, form_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.numbers import point_units, read_point
from metrology_svc.web.render import render
from metrology_svc.web.verification_preview import category_of

router = APIRouter(prefix="/web", include_in_schema=False)
FIELDS = ["kind", "verified_on", "verifier", "procedure", "certificate_no", "notes"]


def _form(
    request: Request,
    session: Session,
    user: PageUser,
    instrument: Instrument,
    *,
    values: dict[str, Any],
    points: list[dict[str, str]],
    errors: dict[str, str],
) -> HTMLResponse:
    category = category_of(session, instrument)
    entry, _stored = point_units(category, instrument)
    return render(
        request,
        "verify.html.j2",
        user=user,
        i=instrument,
        category=category.value,
        entry_unit=entry.symbol if entry else "",
        values=values,
        points=points or [{"reference": "", "indicated": "", "mpe": ""}],
        errors=errors,
        point_error=next((v for k, v in errors.items() if k.startswith("points")), None),
        form_error=next(
            (v for k, v in errors.items() if k == "__all__" or k.startswith("instrument.")), None
        ),
        kinds=[k.value for k in VerificationKind if k is not VerificationKind.IMPORTED],
        status_code=422 if errors else 200,
    )


def _writable(session: Session, user: PageUser, instrument_id: int) -> Instrument:
    instrument = instruments.get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    return instrument


@router.get("/instruments/{instrument_id}/verify", response_class=HTMLResponse)
def verify_form(
    instrument_id: int, request: Request, session: SessionDep, user: PageUser, today: TodayDep
) -> HTMLResponse:
    """Show the verification form with one empty test point."""
    instrument = _writable(session, user, instrument_id)
    values = {"kind": "periodic", "verified_on": today.isoformat(), "procedure": ""}
    return _form(request, session, user, instrument, values=values, points=[], errors={})


def _points(lists: dict[str, list[str]]) -> list[dict[str, str]]:
    refs, inds = lists.get("reference", []), lists.get("indicated", [])
    mpes = lists.get("mpe", [])
    rows = []
    for n, (ref, ind) in enumerate(zip(refs, inds, strict=False)):
        mpe = mpes[n] if n < len(mpes) else ""
        if ref.strip() or ind.strip():
            rows.append({"reference": ref.strip(), "indicated": ind.strip(), "mpe": mpe.strip()})
    return rows


def _read_points(
    session: Session, instrument: Instrument, points: list[dict[str, str]], *, lang: str
) -> tuple[list[dict[str, float]], dict[str, str]]:
    """Return the typed points in the service's units, and a message for each refused field."""
    entry, stored = point_units(category_of(session, instrument), instrument)
    typed: list[dict[str, float]] = []
    refused: dict[str, str] = {}
    for n, point in enumerate(points):
        read, bad = read_point(point, entry=entry, stored=stored, lang=lang)
        typed.append(read)
        refused |= {f"points.{n}.{name}": message for name, message in bad.items()}
    return typed, refused


@router.post("/instruments/{instrument_id}/verify", response_class=HTMLResponse)
def record(
    instrument_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    form: FormDep,
    posted: PostedDep,
) -> Response:
    """Record the verification through verifications.service; show the result page."""
    instrument = _writable(session, user, instrument_id)
    points = _points(posted)
    values = clean(form, FIELDS)
    codes = [c.strip() for c in (form.get("standard_codes") or "").split(",") if c.strip()]
    typed, refused = _read_points(session, instrument, points, lang=lang_of(request))
    with form_errors(lang=lang_of(request)) as errors:
        data = VerificationCreate.model_validate(
            {
                **{k: v for k, v in values.items() if v is not None},
                "notes": values["notes"] or "",
                "standard_codes": codes,
                "points": typed,
            }
        )
        if not refused:
            result = verifications.record_verification(
                session, user, instrument_id, data, settings=settings, today=today
            )
            return RedirectResponse(f"/web/verifications/{result.id}", status_code=303)
    errors.update(refused)
    values["standard_codes"] = form.get("standard_codes", "")
    return _form(request, session, user, instrument, values=values, points=points, errors=errors)


@router.get("/verifications/{verification_id}", response_class=HTMLResponse)
def result_page(
    verification_id: int, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    """Show a recorded verification; after a pass, the button that prints its stamp."""
    verification = verifications.get_verification(session, user, verification_id)
    found = [
        s
        for s in stamps.stamps_of_instrument(session, user, verification.instrument_id)
        if s.verification_id == verification_id
    ]
    return render(
        request,
        "verification.html.j2",
        user=user,
        v=verifications.to_public(session, verification),
        stamp=found[0] if found else None,
    )


@router.get("/stamps/{stamp_id}/sheet.pdf")
def stamp_sheet(stamp_id: int, request: Request, session: SessionDep, user: PageUser) -> Response:
    """Return the printable A4 stamp sheet for one stamp (the same renderer as the API)."""
    stamp = stamps.get_stamp(session, user, stamp_id)
    runtime = runtime_of(request)
    settings = runtime.settings
    label = sheet.StampLabel(
        serial=stamp.serial,
        valid_until=stamp.valid_until,
        issuer_name=settings.stamp_issuer_name,
        url=stamp_rules.verify_url(
            settings.public_base_url, stamps.stamp_code(runtime.ring, stamp)
        ),
    )
    headers = disposition_headers(f"tem-{stamp.serial}.pdf", kind="inline")
    return Response(sheet.render_sheet([label]), media_type="application/pdf", headers=headers)
