"""Judge a measurement check with a rulebook snapshot (pure: no database, no HTTP).

- Retail weighing (Circular 09/2017): the shortfall is judged only under a permitted-shortfall
  table the office loaded as binding; the shipped one (OIML R 87) is a prepackage table with no
  legal footing for a single weighing, so under it a shortfall is "no_binding_rule", never
  "short". The scale's division d must not be coarser than Table 1 allows for the goods' mass.
- Petrol delivery (Circular 15/2015): short beyond 1.5 × the meter's MPE (the in-service row
  of dispenser_mpe in force on the check's date: 0.45 % from 01/04/2016).
- Gold (Circular 22/2013): the scale's interval e must suit its Max (Table 1) and the shortfall
  must be within the limit for the mass (Table 2, read conservatively: rulebook/measures.py).

Nothing is missing (shortfall ≤ 0) is "within" under any table. A table marked reference-only
never makes a check "short". Verdict order: short, unsuitable_scale, no_binding_rule, within.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from metrology_svc.measurement_checks.models import CheckKind, Verdict
from metrology_svc.rulebook import measures
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import REFERENCE_ONLY, NoRuleError, RuleRef, num

MG_PER_G = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Reason:
    """One sentence of the judgement, in English and Vietnamese."""

    en: str
    vi: str


@dataclass(frozen=True, slots=True)
class RuleUsed:
    """A rule that judged part of a check, with the date its version took effect."""

    ref: RuleRef
    effective_from: date


@dataclass(frozen=True, slots=True)
class CheckInput:
    """The figures of a check (g for weighings, L for petrol; scale figures in g)."""

    kind: CheckKind
    on: date
    declared: Decimal
    measured: Decimal
    scale_max_g: Decimal | None = None
    scale_interval_g: Decimal | None = None
    dispenser_type: str = "fuel_dispenser"


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the rulebook says about a check."""

    shortfall: Decimal
    permitted: Decimal | None = None
    rule: RuleUsed | None = None
    allowed_interval_g: Decimal | None = None
    scale_suitable: bool | None = None
    scale_rule: RuleUsed | None = None
    verdict: Verdict = Verdict.WITHIN
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def violation_proposed(self) -> bool:
        """Tell whether a violation record is proposed (a shortfall beyond the rule)."""
        return self.verdict is Verdict.SHORT


@dataclass(slots=True)
class _Parts:
    permitted: Decimal | None = None
    rule: RuleUsed | None = None
    short: bool | None = None  # None: no rule judged the shortfall
    allowed: Decimal | None = None
    suitable: bool | None = None
    scale_rule: RuleUsed | None = None
    reasons: list[Reason] = field(default_factory=list)


def judge(book: Rulebook, check: CheckInput) -> Judgement:
    """Judge a check by the rules in force on its date."""
    parts = _Parts()
    if check.kind is CheckKind.RETAIL_WEIGHING:
        _retail_shortfall(book, check, parts)
        _retail_division(book, check, parts)
    elif check.kind is CheckKind.PETROL_DELIVERY:
        _petrol(book, check, parts)
    else:
        _gold_division(book, check, parts)
        _gold_limit(book, check, parts)
    missing = measures.shortfall(declared=check.declared, measured=check.measured)
    return Judgement(
        shortfall=missing,
        permitted=parts.permitted,
        rule=parts.rule,
        allowed_interval_g=parts.allowed,
        scale_suitable=parts.suitable,
        scale_rule=parts.scale_rule,
        verdict=verdict(short=parts.short, suitable=parts.suitable, shortfall=missing),
        reasons=tuple(parts.reasons),
    )


def verdict(*, short: bool | None, suitable: bool | None, shortfall: Decimal) -> Verdict:
    """Name the judgement: short, then unsuitable scale, then no rule for a shortfall, within."""
    if short:
        return Verdict.SHORT
    if suitable is False:
        return Verdict.UNSUITABLE_SCALE
    if short is None and shortfall > 0:
        return Verdict.NO_BINDING_RULE
    return Verdict.WITHIN


def _used(book: Rulebook, code: str, on: date, ref: RuleRef) -> RuleUsed:
    return RuleUsed(ref, book.in_force(code, on).effective_from)


def _no_rule(parts: _Parts, what: Reason, exc: NoRuleError) -> None:
    parts.reasons.append(Reason(f"{what.en}: {exc}", f"{what.vi}: {exc.vi}"))


def _settle(parts: _Parts, check: CheckInput, permitted: Decimal, used: RuleUsed) -> None:
    """Judge the shortfall against an allowance (a reference-only table never says short)."""
    parts.permitted, parts.rule = permitted, used
    missing = measures.shortfall(declared=check.declared, measured=check.measured)
    if used.ref.status == REFERENCE_ONLY:
        parts.permitted = None
        parts.reasons.append(
            Reason(
                f"{used.ref.label} is reference only: no shortfall is judged under it",
                f"{used.ref.label} chỉ để tham khảo: không kết luận thiếu theo bảng này",
            )
        )
        return
    parts.short = missing > permitted
    unit = "L" if check.kind is CheckKind.PETROL_DELIVERY else "g"
    parts.reasons.append(
        Reason(
            f"shortfall {num(missing)} {unit}, permitted {num(permitted)} {unit} "
            f"({used.ref.label})",
            f"lượng thiếu {num(missing)} {unit}, cho phép {num(permitted)} {unit} "
            f"({used.ref.label})",
        )
    )


def _retail_shortfall(book: Rulebook, check: CheckInput, parts: _Parts) -> None:
    what = Reason("permitted shortfall", "lượng thiếu cho phép")
    try:
        bands = book.shortfall_bands(on=check.on)
    except NoRuleError as exc:
        return _no_rule(parts, what, exc)
    used = _used(book, "shortfall", check.on, bands.ref)
    if not bands.ref.binding or bands.ref.status == REFERENCE_ONLY:
        parts.rule = used
        label = bands.ref.label
        parts.reasons.append(
            Reason(
                f"no binding permitted-shortfall table is loaded (in force: {label}); Circular "
                "09/2017 Table 2 was not retrieved and OIML R 87 is a prepackage table with no "
                "legal footing for a single weighing: the seller is not called short",
                f"chưa nạp bảng lượng thiếu cho phép có hiệu lực ràng buộc (đang áp dụng: "
                f"{label}); chưa có bảng 2 Thông tư 09/2017, OIML R 87 là bảng hàng đóng gói "
                "sẵn, không có căn cứ pháp lý cho một lần cân bán lẻ: không kết luận người bán "
                "cân thiếu",
            )
        )
        return None
    basis = measures.allowance_basis(declared=check.declared, measured=check.measured)
    try:
        permitted = book.shortfall(on=check.on, declared_g=basis).value
    except NoRuleError as exc:
        parts.rule = used
        return _no_rule(parts, what, exc)
    _settle(parts, check, permitted, used)
    return None


def _retail_division(book: Rulebook, check: CheckInput, parts: _Parts) -> None:
    what = Reason("scale division for the goods", "độ chia của cân theo khối lượng hàng")
    if check.scale_interval_g is None:
        parts.reasons.append(
            Reason(
                "the scale's division d was not given: its suitability was not judged",
                "không có độ chia d của cân: chưa đánh giá cân có phù hợp với hàng",
            )
        )
        return
    goods = measures.allowance_basis(declared=check.declared, measured=check.measured)
    try:
        allowed = book.retail_division(on=check.on, goods_mass_g=goods)
    except NoRuleError as exc:
        return _no_rule(parts, what, exc)
    _scale_parts(book, "retail_division", check, parts, allowed.value, allowed.ref)
    return None


def _scale_parts(
    book: Rulebook, code: str, check: CheckInput, parts: _Parts, allowed_g: Decimal, ref: RuleRef
) -> None:
    assert check.scale_interval_g is not None
    parts.allowed, parts.scale_rule = allowed_g, _used(book, code, check.on, ref)
    parts.suitable = measures.division_suits(division_g=check.scale_interval_g, allowed_g=allowed_g)
    word = ("suits", "phù hợp") if parts.suitable else ("is coarser than allowed", "lớn hơn mức")
    parts.reasons.append(
        Reason(
            f"scale interval {num(check.scale_interval_g)} g {word[0]}: at most "
            f"{num(allowed_g)} g ({ref.label})",
            f"độ chia {num(check.scale_interval_g)} g {word[1]} cho phép tối đa "
            f"{num(allowed_g)} g ({ref.label})",
        )
    )


def _petrol(book: Rulebook, check: CheckInput, parts: _Parts) -> None:
    what = Reason("in-service MPE of the meter", "sai số cho phép khi sử dụng của cột đo")
    basis = measures.allowance_basis(declared=check.declared, measured=check.measured)
    try:
        mpe = book.dispenser_mpe(
            on=check.on, type_code=check.dispenser_type, volume=basis, in_service=True
        )
    except NoRuleError as exc:
        return _no_rule(parts, what, exc)
    _settle(parts, check, mpe.value, _used(book, "dispenser_mpe", check.on, mpe.ref))
    return None


def _gold_division(book: Rulebook, check: CheckInput, parts: _Parts) -> None:
    what = Reason("gold scale interval for its Max", "giá trị độ chia kiểm của cân vàng theo Max")
    if check.scale_max_g is None or check.scale_interval_g is None:
        parts.reasons.append(
            Reason(
                "the scale's Max or interval was not given: its suitability was not judged",
                "không có Max hoặc độ chia kiểm của cân: chưa đánh giá cân có phù hợp",
            )
        )
        return
    try:
        allowed = book.gold_division(on=check.on, max_g=check.scale_max_g)
    except NoRuleError as exc:
        return _no_rule(parts, what, exc)
    _scale_parts(book, "gold_division", check, parts, allowed.value / MG_PER_G, allowed.ref)
    return None


def _gold_limit(book: Rulebook, check: CheckInput, parts: _Parts) -> None:
    what = Reason("limit of a gold measurement", "giới hạn sai số phép đo vàng")
    basis = measures.allowance_basis(declared=check.declared, measured=check.measured)
    try:
        version = book.in_force("gold_limit", check.on)
        typed = version.typed_rows()
        rows = [
            measures.GoldLimitRow(r["mass_g"], r["limit_mg"], r["limit_percent"]) for r in typed
        ]
        limit = measures.gold_limit(mass_g=basis, rows=rows)
    except NoRuleError as exc:
        return _no_rule(parts, what, exc)
    used = RuleUsed(version.ref(typed[limit.row]), version.effective_from)
    _settle(parts, check, limit.value / MG_PER_G, used)
    return None
