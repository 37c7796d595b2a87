"""Verification entry: test points judged as you type (the same rules), recorded by the service."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Field, Session, SQLModel

from metrology_svc.core.errors import DomainError
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments import service as instruments
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.settings import Settings
from metrology_svc.stamps import rules as stamp_rules
from metrology_svc.stamps import service as stamps
from metrology_svc.stamps import sheet
from metrology_svc.stamps.runtime import runtime_of
from metrology_svc.verifications import service as verifications
from metrology_svc.verifications.models import VerificationKind
from metrology_svc.verifications.schemas import PointIn, VerificationCreate
from metrology_svc.web.deps import FormDep, PageUser, PostedDep
from metrology_svc.web.forms import clean, form_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import render

router = APIRouter(prefix="/web", include_in_schema=False)
FIELDS = ["kind", "verified_on", "verifier", "procedure", "certificate_no", "notes"]


class PreviewRequest(SQLModel):
    """Test points to judge for an instrument, without saving anything."""

    instrument_id: int
    points: list[PointIn] = Field(max_length=100)


def _category(session: Session, instrument: Instrument) -> TypeCategory:
    kind = TypeRepository(session).get(instrument.type_code)
    assert kind is not None  # a foreign key: every instrument has its type
    return TypeCategory(kind.category)


def preview_points(
    session: Session,
    instrument: Instrument,
    points: list[PointIn],
    *,
    settings: Settings,
    lang: str,
) -> dict[str, Any]:
    """Judge each point on its own with verifications.service.judge_points (nothing is saved)."""
    category = _category(session, instrument)
    out: list[dict[str, Any]] = []
    unit = ""
    for point in points:
        try:
            unit, judged = verifications.judge_points(
                category=category, instrument=instrument, points=[point], settings=settings
            )
        except DomainError as exc:
            out.append({"ok": False, "message": exc.message_vi if lang == "vi" else exc.message})
            continue
        p = judged[0]
        out.append({"ok": True, "error": float(p.error), "mpe": float(p.mpe), "passed": p.passed})
    judged_all = [p for p in out if p["ok"]]
    passed = bool(out) and len(judged_all) == len(out) and all(p["passed"] for p in judged_all)
    return {"unit": unit, "points": out, "passed": passed}


@router.post("/verifications/preview")
def preview(
    data: PreviewRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> JSONResponse:
    """Return each point's error, MPE and pass/fail as the form is typed (JSON, no save)."""
    instrument = instruments.get_instrument(session, user, data.instrument_id)
    body = preview_points(
        session, instrument, data.points, settings=settings, lang=lang_of(request)
    )
    return JSONResponse(body)


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
    return render(
        request,
        "verify.html.j2",
        user=user,
        i=instrument,
        category=_category(session, instrument).value,
        values=values,
        points=points or [{"reference": "", "indicated": "", "mpe": ""}],
        errors=errors,
        point_error=next((v for k, v in errors.items() if k.startswith("points")), None),
        kinds=[k.value for k in VerificationKind],
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
    with form_errors(lang=lang_of(request)) as errors:
        data = VerificationCreate.model_validate(
            {
                **{k: v for k, v in values.items() if v is not None},
                "notes": values["notes"] or "",
                "standard_codes": codes,
                "points": [{k: v for k, v in p.items() if v} for p in points],
            }
        )
        result = verifications.record_verification(
            session, user, instrument_id, data, settings=settings, today=today
        )
        return RedirectResponse(f"/web/verifications/{result.id}", status_code=303)
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
    headers = {"Content-Disposition": f'inline; filename="tem-{stamp.serial}.pdf"'}
    return Response(sheet.render_sheet([label]), media_type="application/pdf", headers=headers)
