"""Verification entry: test points judged as you type (the same rules), recorded by the service."""

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Field, Session, SQLModel

from metrology_svc.core.errors import DomainError
from metrology_svc.core.quantities import Convention, Unit, format_quantity
from metrology_svc.core.types import FiniteFloat
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
from metrology_svc.web.forms import clean, form_errors, pydantic_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.numbers import point_units, read_point
from metrology_svc.web.render import render

router = APIRouter(prefix="/web", include_in_schema=False)
FIELDS = ["kind", "verified_on", "verifier", "procedure", "certificate_no", "notes"]


class PreviewPoint(SQLModel):
    """A test point as typed in the form's unit (text read the Vietnamese way, or a number)."""

    reference: str | FiniteFloat = ""
    indicated: str | FiniteFloat = ""
    mpe: str | FiniteFloat = ""


class PreviewRequest(SQLModel):
    """Test points to judge for an instrument, without saving anything."""

    instrument_id: int
    points: list[PreviewPoint] = Field(max_length=100)


def _category(session: Session, instrument: Instrument) -> TypeCategory:
    kind = TypeRepository(session).get(instrument.type_code)
    assert kind is not None  # a foreign key: every instrument has its type
    return TypeCategory(kind.category)


def _written(value: Decimal, unit: Unit | None) -> str:
    return format_quantity(value.normalize(), unit, convention=Convention.VI)


def _typed_point(
    typed: dict[str, Any], *, entry: Unit | None, stored: Unit | None, lang: str
) -> PointIn | str:
    """Return a typed point as the API's PointIn, or the message of its first refusal."""
    read, refused = read_point(typed, entry=entry, stored=stored, lang=lang)
    if refused:
        return next(iter(refused.values()))
    try:
        return PointIn.model_validate(read)
    except ValidationError as exc:
        return next(iter(pydantic_errors(exc, lang=lang).values()))


def _preview_one(
    typed: PreviewPoint,
    *,
    category: TypeCategory,
    instrument: Instrument,
    settings: Settings,
    lang: str,
) -> dict[str, Any]:
    entry, stored = point_units(category, instrument)
    point = _typed_point(typed.model_dump(), entry=entry, stored=stored, lang=lang)
    if isinstance(point, str):
        return {"ok": False, "message": point}
    try:
        _unit, judged = verifications.judge_points(
            category=category, instrument=instrument, points=[point], settings=settings
        )
    except DomainError as exc:
        return {"ok": False, "message": exc.message_vi if lang == "vi" else exc.message}
    p = judged[0]
    return {
        "ok": True,
        "error": float(p.error),
        "mpe": float(p.mpe),
        "passed": p.passed,
        "error_text": _written(p.error, stored),
        "mpe_text": _written(p.mpe, stored),
    }


def preview_points(
    session: Session,
    instrument: Instrument,
    points: list[PreviewPoint],
    *,
    settings: Settings,
    lang: str,
) -> dict[str, Any]:
    """Judge each typed point on its own with verifications.service.judge_points (no save)."""
    category = _category(session, instrument)
    entry, stored = point_units(category, instrument)
    out = [
        _preview_one(p, category=category, instrument=instrument, settings=settings, lang=lang)
        for p in points
    ]
    judged_all = [p for p in out if p["ok"]]
    passed = bool(out) and len(judged_all) == len(out) and all(p["passed"] for p in judged_all)
    return {
        "unit": stored.symbol if stored else "",
        "entry_unit": entry.symbol if entry else "",
        "points": out,
        "passed": passed,
    }


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
    category = _category(session, instrument)
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


def _read_points(
    session: Session, instrument: Instrument, points: list[dict[str, str]], *, lang: str
) -> tuple[list[dict[str, float]], dict[str, str]]:
    """Return the typed points in the service's units, and a message for each refused field."""
    entry, stored = point_units(_category(session, instrument), instrument)
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
    headers = {"Content-Disposition": f'inline; filename="tem-{stamp.serial}.pdf"'}
    return Response(sheet.render_sheet([label]), media_type="application/pdf", headers=headers)
