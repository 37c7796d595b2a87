"""The verification form's live judgement: each typed point judged by the rulebook in force on the
form's date (the same Python rules as the record), then the whole set: pass, fail or incomplete.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlmodel import Field, Session, SQLModel

from metrology_svc.core.errors import DomainError
from metrology_svc.core.quantities import Convention, Unit, format_quantity
from metrology_svc.core.types import FiniteFloat
from metrology_svc.deps import SessionDep, TodayDep
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments import service as instruments
from metrology_svc.instruments.models import Instrument
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.verifications import judging, plausible
from metrology_svc.verifications.schemas import PointIn
from metrology_svc.web.deps import PageUser
from metrology_svc.web.forms import pydantic_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.numbers import point_units, read_point

router = APIRouter(prefix="/web", include_in_schema=False)


class PreviewPoint(SQLModel):
    """A test point as typed in the form's unit (text read the Vietnamese way, or a number)."""

    reference: str | FiniteFloat = ""
    indicated: str | FiniteFloat = ""
    mpe: str | FiniteFloat = ""


class PreviewRequest(SQLModel):
    """Test points to judge for an instrument on the form's date, without saving anything."""

    instrument_id: int
    verified_on: date | None = Field(default=None, description="The form's date (else today)")
    points: list[PreviewPoint] = Field(max_length=100)


def category_of(session: Session, instrument: Instrument) -> TypeCategory:
    """Return the category of the instrument's type."""
    kind = TypeRepository(session).get(instrument.type_code)
    assert kind is not None  # a foreign key: every instrument has its type
    return TypeCategory(kind.category)


def _written(value: Decimal, unit: Unit | None) -> str:
    return format_quantity(value.normalize(), unit, convention=Convention.VI)


def _said(exc: DomainError, lang: str) -> str:
    return exc.message_vi if lang == "vi" else exc.message


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
    book: Rulebook,
    on: date,
    lang: str,
) -> dict[str, Any]:
    entry, stored = point_units(category, instrument)
    point = _typed_point(typed.model_dump(), entry=entry, stored=stored, lang=lang)
    if isinstance(point, str):
        return {"ok": False, "message": point}
    try:
        _unit, judged = judging.judge_points(
            category=category, instrument=instrument, points=[point], rulebook=book, on=on
        )
    except DomainError as exc:
        return {"ok": False, "message": _said(exc, lang)}
    p = judged[0]
    return {
        "ok": True,
        "reference": float(p.reference),
        "error": float(p.error),
        "mpe": float(p.mpe),
        "passed": p.passed,
        "error_text": _written(p.error, stored),
        "mpe_text": _written(p.mpe, stored),
        "mpe_rule": p.rule.label if p.rule else None,
    }


def _overall(
    out: list[dict[str, Any]],
    *,
    box: plausible.Frame,
    category: TypeCategory,
    book: Rulebook,
    on: date,
    lang: str,
) -> dict[str, Any]:
    """Return the result of the whole set once every point is judged: fail, incomplete, pass."""
    if not out or not all(p["ok"] for p in out):
        return {"result": None, "missing": []}
    if not all(p["passed"] for p in out):
        return {"result": "fail", "missing": []}
    refs = [Decimal(repr(p["reference"])) for p in out]
    try:
        missing, _rule = judging.missing_loads(
            book, category=category, box=box, references=refs, on=on
        )
    except DomainError as exc:
        return {"result": None, "missing": [], "message": _said(exc, lang)}
    key = "message_vi" if lang == "vi" else "message"
    said = [judging.missing_entry(b)[key] for b in missing]
    return {"result": "incomplete" if missing else "pass", "missing": said}


def preview_points(
    session: Session, instrument: Instrument, points: list[PreviewPoint], *, on: date, lang: str
) -> dict[str, Any]:
    """Judge each typed point on its own, then the set, by the rulebook on the date (no save)."""
    category = category_of(session, instrument)
    entry, stored = point_units(category, instrument)
    book = load_rulebook(session)
    body: dict[str, Any] = {
        "unit": stored.symbol if stored else "",
        "entry_unit": entry.symbol if entry else "",
        "points": [],
        "passed": False,
        "result": None,
        "missing": [],
        "message": None,
    }
    try:
        box = plausible.frame(book, category=category, instrument=instrument, on=on)
    except DomainError as exc:  # the instrument's own data are implausible: nothing to judge
        return {**body, "message": _said(exc, lang)}
    out = [
        _preview_one(p, category=category, instrument=instrument, book=book, on=on, lang=lang)
        for p in points
    ]
    overall = _overall(out, box=box, category=category, book=book, on=on, lang=lang)
    return {**body, "points": out, **overall, "passed": overall["result"] == "pass"}


@router.post("/verifications/preview")
def preview(
    data: PreviewRequest, request: Request, session: SessionDep, user: PageUser, today: TodayDep
) -> JSONResponse:
    """Return each point's error, MPE and rule, and the set's result, as the form is typed."""
    instrument = instruments.get_instrument(session, user, data.instrument_id)
    body = preview_points(
        session, instrument, data.points, on=data.verified_on or today, lang=lang_of(request)
    )
    return JSONResponse(body)
