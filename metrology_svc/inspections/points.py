"""A finding's test points judged against the in-service MPE, and checked against its kind."""

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from metrology_svc.core.errors import Invalid
from metrology_svc.inspections import rules
from metrology_svc.inspections.schemas import FindingIn
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import Instrument
from metrology_svc.reference_data import r76_bands
from metrology_svc.settings import Settings
from metrology_svc.verifications import rules as vrules
from metrology_svc.verifications.schemas import PointIn


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


def _mpe(
    settings: Settings, instrument: Instrument, category: str, point: PointIn, i: int
) -> Decimal:
    ref = _dec(point.reference)
    if category == TypeCategory.SCALE:
        if instrument.e_g is None or not instrument.accuracy_class:
            raise Invalid(
                "The scale has no accuracy class or e: its MPE is unknown.",
                message_vi="Cân chưa có cấp chính xác hoặc giá trị e.",
                loc=["points", i],
            )
        return rules.scale_in_service_mpe(
            load=ref,
            e=_dec(instrument.e_g),
            accuracy_class=instrument.accuracy_class,
            bands=r76_bands(),
            factor=_dec(settings.scale_in_service_factor),
        )
    if category == TypeCategory.DISPENSER:
        return vrules.dispenser_mpe(
            volume=ref, percent=_dec(settings.dispenser_in_service_mpe_percent)
        )
    if point.mpe is None:
        raise Invalid(
            "This type has no built-in MPE rule: give mpe for each point.",
            message_vi="Loại này chưa có quy tắc sai số: nhập mpe cho từng điểm.",
            loc=["points", i, "mpe"],
        )
    return _dec(point.mpe)


def judge(
    session: Session, settings: Settings, instrument: Instrument | None, item: FindingIn
) -> list[dict[str, Any]]:
    """Judge the finding's test points against the in-service MPE and check the kind agrees."""
    results: list[vrules.PointResult] = []
    if item.points:
        if instrument is None:
            raise Invalid(
                "Test points need an instrument.",
                message_vi="Điểm thử phải gắn với một phương tiện đo.",
                loc=["points"],
            )
        kind = TypeRepository(session).get(instrument.type_code)
        category = kind.category if kind else ""
        for i, point in enumerate(item.points):
            try:
                mpe = _mpe(settings, instrument, category, point, i)
            except vrules.NoRuleError as exc:
                raise Invalid(
                    f"No MPE rule: {exc}.", message_vi="Không có quy tắc sai số.", loc=["points", i]
                ) from exc
            ref, ind = _dec(point.reference), _dec(point.indicated)
            results.append(vrules.judge_point(reference=ref, indicated=ind, mpe=mpe))
    problem = rules.points_consistent(item.kind, results)
    if problem == "no_points":
        raise Invalid(
            "An error beyond the MPE needs its test points.",
            message_vi="Sai số vượt mức cho phép phải kèm các điểm thử.",
            loc=["points"],
        )
    if problem == "points_within_mpe":
        raise Invalid(
            "Every test point is within the in-service MPE.",
            message_vi="Mọi điểm thử đều nằm trong sai số cho phép khi sử dụng.",
            loc=["kind"],
        )
    if problem == "points_beyond_mpe":
        raise Invalid(
            "A test point is beyond the in-service MPE: record error_beyond_mpe.",
            message_vi="Có điểm thử vượt sai số cho phép: ghi nhận là sai số vượt mức.",
            loc=["kind"],
        )
    return [
        {
            "reference": float(p.reference),
            "indicated": float(p.indicated),
            "error": float(p.error),
            "mpe": float(p.mpe),
            "passed": p.passed,
        }
        for p in results
    ]
