"""Judge a verification's points: plausible first, then each within its MPE, then complete.

Any point beyond its MPE fails the verification; all within but a required load missing makes
it incomplete (never a pass, no stamp); all within and complete passes.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from metrology_svc.core import clock
from metrology_svc.core.errors import Invalid
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.models import Instrument
from metrology_svc.rulebook import loads
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, PointResult, RuleRef, judge_point
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.settings import Settings
from metrology_svc.verifications import plausible
from metrology_svc.verifications.models import VerificationResult
from metrology_svc.verifications.plausible import Frame, dec
from metrology_svc.verifications.schemas import PointIn


def _point_mpe(
    book: Rulebook,
    *,
    category: TypeCategory,
    instrument: Instrument,
    point: PointIn,
    on: date,
    index: int,
) -> tuple[Decimal, RuleRef | None]:
    ref = dec(point.reference)
    if category is TypeCategory.SCALE:
        assert instrument.e_g is not None
        assert instrument.accuracy_class
        e = dec(instrument.e_g)
        ruled = book.scale_mpe(on=on, accuracy_class=instrument.accuracy_class, e=e, load=ref)
        return ruled.value, ruled.ref
    if category is TypeCategory.DISPENSER:
        ruled = book.dispenser_mpe(on=on, type_code=instrument.type_code, volume=ref)
        return ruled.value, ruled.ref
    if point.mpe is not None:
        return dec(point.mpe), None
    raise Invalid(
        "This type has no built-in MPE rule: give mpe for each point.",
        message_vi="Loại này chưa có quy tắc sai số: nhập mpe cho từng điểm.",
        loc=["body", "points", index, "mpe"],
    )


def _judged(
    book: Rulebook,
    *,
    category: TypeCategory,
    instrument: Instrument,
    points: list[PointIn],
    on: date,
) -> list[PointResult]:
    judged: list[PointResult] = []
    for i, point in enumerate(points):
        try:
            mpe, rule = _point_mpe(
                book, category=category, instrument=instrument, point=point, on=on, index=i
            )
        except NoRuleError as exc:
            raise Invalid(
                f"Point {i + 1}: no MPE rule: {exc}.",
                message_vi=f"Điểm {i + 1}: không có quy tắc sai số: {exc.vi}.",
                loc=["body", "points", i],
            ) from exc
        ref, ind = dec(point.reference), dec(point.indicated)
        judged.append(judge_point(reference=ref, indicated=ind, mpe=mpe, rule=rule))
    return judged


def judge_points(
    *,
    category: TypeCategory,
    instrument: Instrument,
    points: list[PointIn],
    rulebook: Rulebook | None = None,
    on: date | None = None,
    settings: Settings | None = None,  # no longer used: the MPEs come from the rulebook
) -> tuple[str, list[PointResult]]:
    """Return the unit and the points judged by the rulebook in force on the date.

    Implausible instrument data or points are refused first. Without a rulebook the shipped
    tables judge; without a date, today.
    """
    book = rulebook or shipped_rulebook()
    day = on or clock.today()
    box = plausible.frame(book, category=category, instrument=instrument, on=day)
    plausible.check_points(box, points, category=category)
    judged = _judged(book, category=category, instrument=instrument, points=points, on=day)
    return box.unit, judged


def _refused_loads(exc: NoRuleError, on: date) -> Invalid:
    return Invalid(
        f"The required test loads cannot be decided for {on:%d/%m/%Y}: {exc}.",
        message_vi=f"Không xác định được các mức tải bắt buộc cho ngày {on:%d/%m/%Y}: {exc.vi}.",
        loc=["body", "verified_on"],
    )


def missing_loads(
    book: Rulebook, *, category: TypeCategory, box: Frame, references: list[Decimal], on: date
) -> tuple[list[loads.Band], RuleRef | None]:
    """Return the required loads no point covers, and the rule that requires them."""
    try:
        ruled = book.required_loads(on=on, category=category.value)
        if not ruled.value:
            return [], None
        bands = loads.bands(ruled.value, bases=box.bases, unit=box.unit)
    except NoRuleError as exc:
        raise _refused_loads(exc, on) from exc
    return loads.missing(bands, references), ruled.ref


def missing_entry(band: loads.Band) -> dict[str, Any]:
    """Return a missing load as stored and shown: label, range, unit, message (en, vi)."""
    return {
        "label": band.label,
        "low": float(band.low),
        "high": None if band.high is None else float(band.high),
        "unit": band.unit,
        "message": f"No point at the required load {band.label} ({band.describe()}).",
        "message_vi": f"Chưa có điểm kiểm ở mức tải bắt buộc {band.label} ({band.describe()}).",
    }


@dataclass(frozen=True, slots=True)
class Judgement:
    """The judged points, the required loads missing and the rule that required them."""

    unit: str
    points: list[PointResult]
    missing: list[loads.Band]
    loads_rule: RuleRef | None

    @property
    def result(self) -> VerificationResult:
        """Return fail if a point is beyond its MPE, else incomplete if a load is missing."""
        if not self.points or not all(p.passed for p in self.points):
            return VerificationResult.FAIL
        return VerificationResult.INCOMPLETE if self.missing else VerificationResult.PASS


def judge(
    *,
    category: TypeCategory,
    instrument: Instrument,
    points: list[PointIn],
    rulebook: Rulebook,
    on: date,
) -> Judgement:
    """Judge plausibility, every point's MPE and completeness by the rulebook on the date."""
    box = plausible.frame(rulebook, category=category, instrument=instrument, on=on)
    plausible.check_points(box, points, category=category)
    judged = _judged(rulebook, category=category, instrument=instrument, points=points, on=on)
    refs = [p.reference for p in judged]
    missing, rule = missing_loads(rulebook, category=category, box=box, references=refs, on=on)
    return Judgement(box.unit, judged, missing, rule)
