"""Plausibility before judgement: the instrument's data agree with each other and its class, and
every test point lies where a test point can lie. Each refusal names the field or point and rule.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from metrology_svc.core.errors import Invalid
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.rules import implausible
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, num
from metrology_svc.verifications.schemas import PointIn

# A sanity bound, not a legal number: no test draw at a fuel station runs an hour at Qmax, so a
# larger volume is a unit typed wrongly (litres as millilitres), not a draw.
MAX_DRAW_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Frame:
    """What the points are judged against: unit, plausible range, bases of the required loads."""

    unit: str
    low: Decimal = Decimal(0)
    high: Decimal | None = None
    bases: dict[str, Decimal] = field(default_factory=dict)


def dec(value: float) -> Decimal:
    """Return a float as the shortest decimal that round-trips (0.1 stays 0.1)."""
    return Decimal(repr(value))


def _instrument_error(name: str, en: str, vi: str) -> Invalid:
    return Invalid(en, message_vi=vi, loc=["instrument", name])


def _check_data(instrument: Instrument) -> None:
    found = implausible(
        max_g=instrument.max_g,
        e_g=instrument.e_g,
        d_g=instrument.d_g,
        qmin_lpm=instrument.qmin_lpm,
        qmax_lpm=instrument.qmax_lpm,
    )
    if found:
        raise _instrument_error(found[0].field, found[0].en, found[0].vi)


def _scale(book: Rulebook, instrument: Instrument, on: date) -> Frame:
    if instrument.e_g is None or not instrument.accuracy_class:
        raise _instrument_error(
            "e_g",
            "A scale needs its accuracy class and e before it can be verified.",
            "Cần cấp chính xác và giá trị độ chia kiểm e của cân.",
        )
    if instrument.max_g is None:
        raise _instrument_error(
            "max_g",
            "A scale needs its Max before it can be verified.",
            "Cần mức cân lớn nhất (Max) của cân.",
        )
    _check_data(instrument)
    e, top, cls = dec(instrument.e_g), dec(instrument.max_g), instrument.accuracy_class
    try:
        limit = book.class_limit(on=on, accuracy_class=cls, e=e)
    except NoRuleError as exc:
        raise _instrument_error(
            "e_g",
            f"The scale's e does not fit its class: {exc}.",
            f"e không hợp cấp cân: {exc.vi}.",
        ) from exc
    n, row = top / e, limit.value
    if n < row.n_min or (row.n_max is not None and n > row.n_max):
        span = f"{num(row.n_min)} … {num(row.n_max) if row.n_max is not None else '∞'}"
        raise _instrument_error(
            "max_g",
            f"n = Max/e = {num(n)} lies outside class {cls}'s {span} ({limit.ref.label}).",
            f"n = Max/e = {num(n)} nằm ngoài khoảng {span} của cấp {cls} ({limit.ref.label}).",
        )
    bases = {"min": row.min_capacity_e * e, "max": top, "e": e}
    return Frame("g", Decimal(0), top, bases)


def _dispenser(instrument: Instrument) -> Frame:
    if instrument.mmq_l is None:
        raise _instrument_error(
            "mmq_l",
            "A dispenser needs its minimum measured quantity before it can be verified.",
            "Cần lượng đo nhỏ nhất của cột đo.",
        )
    _check_data(instrument)
    low = dec(instrument.mmq_l) * 1000
    top = None
    if instrument.qmax_lpm is not None:
        top = dec(instrument.qmax_lpm) * 1000 * MAX_DRAW_MINUTES
    return Frame("mL", low, top, {"mmq": low})


def frame(book: Rulebook, *, category: TypeCategory, instrument: Instrument, on: date) -> Frame:
    """Return the frame of the instrument's points, refusing implausible instrument data."""
    if category is TypeCategory.SCALE:
        return _scale(book, instrument, on)
    if category is TypeCategory.DISPENSER:
        return _dispenser(instrument)
    return Frame("")


def _refuse(index: int, en: str, vi: str) -> Invalid:
    return Invalid(
        f"Point {index + 1}: {en}",
        message_vi=f"Điểm {index + 1}: {vi}",
        loc=["body", "points", index, "reference"],
    )


def _scale_point(index: int, ref: Decimal, top: Decimal) -> Invalid:
    return _refuse(
        index,
        f"the load {num(ref)} g is above Max = {num(top)} g: a scale's test loads lie between "
        "0 and Max (OIML R 76).",
        f"tải {num(ref)} g lớn hơn Max = {num(top)} g: tải thử của cân nằm trong khoảng 0 … Max "
        "(OIML R 76).",
    )


def _draw_low(index: int, ref: Decimal, low: Decimal) -> Invalid:
    return _refuse(
        index,
        f"{num(ref)} mL is below the minimum measured quantity {num(low)} mL: a test draw is at "
        "least the minimum measured quantity (ĐLVN 10, OIML R 117).",
        f"{num(ref)} mL nhỏ hơn lượng đo nhỏ nhất {num(low)} mL: mỗi lần đo thử ít nhất bằng "
        "lượng đo nhỏ nhất (ĐLVN 10, OIML R 117).",
    )


def _draw_high(index: int, ref: Decimal, high: Decimal) -> Invalid:
    return _refuse(
        index,
        f"{num(ref)} mL is more than {MAX_DRAW_MINUTES} minutes at Qmax ({num(high)} mL): not a "
        "test draw; check the unit.",
        f"{num(ref)} mL lớn hơn lượng xả {MAX_DRAW_MINUTES} phút ở Qmax ({num(high)} mL): không "
        "phải lần đo thử; kiểm tra đơn vị.",
    )


def check_points(frame: Frame, points: list[PointIn], *, category: TypeCategory) -> None:
    """Refuse the first point outside the plausible range, naming the point and the rule."""
    for index, point in enumerate(points):
        ref = dec(point.reference)
        if category is TypeCategory.SCALE and frame.high is not None and ref > frame.high:
            raise _scale_point(index, ref, frame.high)
        if category is TypeCategory.DISPENSER:
            if ref < frame.low:
                raise _draw_low(index, ref, frame.low)
            if frame.high is not None and ref > frame.high:
                raise _draw_high(index, ref, frame.high)
