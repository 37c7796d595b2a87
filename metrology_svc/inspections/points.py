"""A finding's test points judged by the rulebook's in-service MPE, checked against its kind."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from metrology_svc.core.errors import Invalid
from metrology_svc.inspections import rules
from metrology_svc.inspections.schemas import FindingIn
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import Instrument
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, PointResult, Ruled, judge_point
from metrology_svc.verifications.schemas import PointIn


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


def _mpe(
    book: Rulebook, instrument: Instrument, category: str, point: PointIn, *, on: date, i: int
) -> Ruled[Decimal] | Decimal:
    ref = _dec(point.reference)
    if category == TypeCategory.SCALE:
        if instrument.e_g is None or not instrument.accuracy_class:
            raise Invalid(
                "The scale has no accuracy class or e: its MPE is unknown.",
                message_vi="Cân chưa có cấp chính xác hoặc giá trị e.",
                loc=["points", i],
            )
        return book.scale_mpe(
            on=on,
            accuracy_class=instrument.accuracy_class,
            e=_dec(instrument.e_g),
            load=ref,
            in_service=True,
        )
    if category == TypeCategory.DISPENSER:
        return book.dispenser_mpe(
            on=on, type_code=instrument.type_code, volume=ref, in_service=True
        )
    if point.mpe is None:
        raise Invalid(
            "This type has no built-in MPE rule: give mpe for each point.",
            message_vi="Loại này chưa có quy tắc sai số: nhập mpe cho từng điểm.",
            loc=["points", i, "mpe"],
        )
    return _dec(point.mpe)


def _judged(
    session: Session, book: Rulebook, instrument: Instrument, item: FindingIn, on: date
) -> list[PointResult]:
    kind = TypeRepository(session).get(instrument.type_code)
    category = kind.category if kind else ""
    results: list[PointResult] = []
    for i, point in enumerate(item.points):
        try:
            mpe = _mpe(book, instrument, category, point, on=on, i=i)
        except NoRuleError as exc:
            raise Invalid(
                f"Point {i + 1}: no in-service MPE rule: {exc}.",
                message_vi=f"Điểm {i + 1}: không có quy tắc sai số khi sử dụng: {exc.vi}.",
                loc=["points", i],
            ) from exc
        ref, ind = _dec(point.reference), _dec(point.indicated)
        value, rule = (mpe.value, mpe.ref) if isinstance(mpe, Ruled) else (mpe, None)
        results.append(judge_point(reference=ref, indicated=ind, mpe=value, rule=rule))
    return results


_PROBLEMS = {
    "no_points": (
        "An error beyond the MPE needs its test points.",
        "Sai số vượt mức cho phép phải kèm các điểm thử.",
        "points",
    ),
    "points_within_mpe": (
        "Every test point is within the in-service MPE.",
        "Mọi điểm thử đều nằm trong sai số cho phép khi sử dụng.",
        "kind",
    ),
    "points_beyond_mpe": (
        "A test point is beyond the in-service MPE: record error_beyond_mpe.",
        "Có điểm thử vượt sai số cho phép: ghi nhận là sai số vượt mức.",
        "kind",
    ),
}


def judge(
    session: Session, book: Rulebook, instrument: Instrument | None, item: FindingIn, *, on: date
) -> list[dict[str, Any]]:
    """Judge the points against the in-service MPE in force on the date; check the kind agrees."""
    results: list[PointResult] = []
    if item.points:
        if instrument is None:
            raise Invalid(
                "Test points need an instrument.",
                message_vi="Điểm thử phải gắn với một phương tiện đo.",
                loc=["points"],
            )
        results = _judged(session, book, instrument, item, on)
    problem = rules.points_consistent(item.kind, results)
    if problem is not None:
        en, vi, where = _PROBLEMS[problem]
        raise Invalid(en, message_vi=vi, loc=[where])
    return [
        {
            "reference": float(p.reference),
            "indicated": float(p.indicated),
            "error": float(p.error),
            "mpe": float(p.mpe),
            "passed": p.passed,
            "rule_id": p.rule.table_id if p.rule else None,
            "rule": p.rule.label if p.rule else None,
        }
        for p in results
    ]
