"""Pure calculations on rule tables: MPE by band, class limits, point judgements, due dates."""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")

SOURCED = "sourced"
UNVERIFIED = "unverified"
REFERENCE_ONLY = "reference-only"
STATUSES = (SOURCED, UNVERIFIED, REFERENCE_ONLY)
STATUS_VI = {SOURCED: "có nguồn", UNVERIFIED: "chưa kiểm chứng", REFERENCE_ONLY: "chỉ tham khảo"}


def num(value: Decimal) -> str:
    """Write a decimal plainly for a message: 15000, 0.5 (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


class NoRuleError(ValueError):
    """No rule covers the case; carries the reason in English and Vietnamese."""

    def __init__(self, message: str, *, vi: str) -> None:
        super().__init__(message)
        self.vi = vi


@dataclass(frozen=True, slots=True)
class RuleRef:
    """Which rule judged something: the table version (id in the database) and its row's source."""

    table_id: int | None
    code: str
    version: str
    title: str
    status: str
    source: str
    binding: bool = False

    @property
    def label(self) -> str:
        """Return the label stored with a judgement, e.g. "R 76 bảng 6, phiên bản 2013-11-15"."""
        text = f"{self.title}, phiên bản {self.version}"
        if self.status != SOURCED:
            text += f" ({STATUS_VI.get(self.status, self.status)} / {self.status})"
        return text


@dataclass(frozen=True, slots=True)
class Ruled(Generic[T]):
    """A value the rulebook answered, with the rule that gave it."""

    value: T
    ref: RuleRef


@dataclass(frozen=True, slots=True)
class MpeBand:
    """One row of R 76 Table 6: loads in (load_from_e, load_to_e] carry mpe_e × e."""

    accuracy_class: str
    load_from_e: Decimal
    load_to_e: Decimal | None
    mpe_e: Decimal
    in_service_factor: Decimal = Decimal(2)


@dataclass(frozen=True, slots=True)
class ClassLimit:
    """One row of R 76 Table 3: for e in [e_min_g, e_max_g], n = Max/e in [n_min, n_max]."""

    accuracy_class: str
    e_min_g: Decimal
    e_max_g: Decimal | None
    n_min: Decimal
    n_max: Decimal | None
    min_capacity_e: Decimal


@dataclass(frozen=True, slots=True)
class CycleRow:
    """A verification cycle in force from a date."""

    cycle_months: int
    effective_from: date


@dataclass(frozen=True, slots=True)
class ShortfallBand:
    """Declared quantities in (from_g, to_g] may be short by percent of it or by a fixed mass."""

    from_g: Decimal
    to_g: Decimal | None
    percent: Decimal | None
    grams: Decimal | None


@dataclass(frozen=True, slots=True)
class PointResult:
    """The judgement of one test point."""

    reference: Decimal
    indicated: Decimal
    error: Decimal
    mpe: Decimal
    passed: bool
    rule: RuleRef | None = None  # the rule that gave the MPE (None: given with the point)


def band_index(value: Decimal, bounds: Sequence[tuple[Decimal, Decimal | None]]) -> int | None:
    """Return the band holding value: (from, to], the first band also holding its lower bound."""
    for index, (low, high) in enumerate(bounds):
        above = value > low or (index == 0 and value >= low)
        if above and (high is None or value <= high):
            return index
    return None


def class_limit(*, accuracy_class: str, e: Decimal, limits: Iterable[ClassLimit]) -> ClassLimit:
    """Return the Table 3 row for the class and e, or raise when the class has none for e."""
    rows = [r for r in limits if r.accuracy_class == accuracy_class]
    if not rows:
        raise NoRuleError(
            f"accuracy class {accuracy_class!r} is not in the table",
            vi=f"cấp chính xác {accuracy_class!r} không có trong bảng",
        )
    for row in rows:
        if e >= row.e_min_g and (row.e_max_g is None or e <= row.e_max_g):
            return row
    allowed = ", ".join(
        f"{r.e_min_g} g ≤ e" + (f" ≤ {r.e_max_g} g" if r.e_max_g is not None else "") for r in rows
    )
    raise NoRuleError(
        f"class {accuracy_class} has no row for e = {num(e)} g ({allowed})",
        vi=f"cấp {accuracy_class} không có dòng cho e = {num(e)} g ({allowed})",
    )


def check_load(*, load: Decimal, e: Decimal, limit: ClassLimit) -> None:
    """Refuse a load beyond the class's range (more than n_max intervals e)."""
    m = load / e
    if limit.n_max is not None and m > limit.n_max:
        raise NoRuleError(
            f"load {num(load)} g = {m:.0f} e is beyond class {limit.accuracy_class}'s range "
            f"(n ≤ {num(limit.n_max)} e)",
            vi=f"tải {num(load)} g = {m:.0f} e vượt phạm vi của cấp {limit.accuracy_class} "
            f"(n ≤ {num(limit.n_max)} e)",
        )


def scale_mpe(
    *,
    load: Decimal,
    e: Decimal,
    accuracy_class: str,
    bands: Iterable[MpeBand],
    in_service: bool = False,
    limit: ClassLimit | None = None,
) -> Decimal:
    """Return the MPE for a load on a scale of the class and e (in service: × the factor)."""
    if e <= 0 or load < 0:
        raise NoRuleError("load must be ≥ 0 and e > 0", vi="tải phải ≥ 0 và e > 0")
    if limit is not None:
        check_load(load=load, e=e, limit=limit)
    rows = sorted(
        (b for b in bands if b.accuracy_class == accuracy_class), key=lambda b: b.load_from_e
    )
    if not rows:
        raise NoRuleError(
            f"no MPE bands for accuracy class {accuracy_class!r}",
            vi=f"không có dải sai số cho cấp chính xác {accuracy_class!r}",
        )
    index = band_index(load / e, [(b.load_from_e, b.load_to_e) for b in rows])
    if index is None:
        raise NoRuleError(
            f"load {num(load)} g = {load / e:.0f} e lies beyond the last MPE band of class "
            f"{accuracy_class}",
            vi=f"tải {num(load)} g = {load / e:.0f} e nằm ngoài dải sai số cuối của cấp "
            f"{accuracy_class}",
        )
    band = rows[index]
    return band.mpe_e * e * (band.in_service_factor if in_service else Decimal(1))


def dispenser_mpe(*, volume: Decimal, percent: Decimal) -> Decimal:
    """Return the MPE for a delivered volume at a percentage (ĐLVN 10: 0.3 %)."""
    if volume <= 0:
        raise NoRuleError("volume must be > 0", vi="thể tích phải > 0")
    return volume * percent / Decimal(100)


def permitted_shortfall(*, declared_g: Decimal, bands: Sequence[ShortfallBand]) -> Decimal:
    """Return the permitted shortfall for a declared mass (first band includes its lower bound)."""
    index = band_index(declared_g, [(b.from_g, b.to_g) for b in bands])
    if index is not None:
        band = bands[index]
        if band.percent is not None:
            return declared_g * band.percent / Decimal(100)
        if band.grams is not None:
            return band.grams
    raise NoRuleError(
        f"no permitted shortfall for a declared {num(declared_g)} g",
        vi=f"không có lượng thiếu cho phép với {num(declared_g)} g",
    )


def judge_point(
    *, reference: Decimal, indicated: Decimal, mpe: Decimal, rule: RuleRef | None = None
) -> PointResult:
    """Judge one point: the error is indication − reference, within ±MPE passes."""
    error = indicated - reference
    return PointResult(reference, indicated, error, mpe, abs(error) <= mpe, rule)


def all_passed(points: Sequence[PointResult]) -> bool:
    """Return True when there is at least one point and every point passed."""
    return bool(points) and all(p.passed for p in points)


def cycle_in_force(cycles: Iterable[CycleRow], on: date) -> CycleRow:
    """Return the cycle row in force on the date (the latest effective_from on or before it)."""
    eligible = [c for c in cycles if c.effective_from <= on]
    if not eligible:
        raise NoRuleError(
            f"no verification cycle in force on {on.isoformat()}",
            vi=f"không có chu kỳ kiểm định áp dụng cho ngày {on:%d/%m/%Y}",
        )
    return max(eligible, key=lambda c: c.effective_from)


def add_months(start: date, months: int) -> date:
    """Add calendar months, clamping the day to the target month's length."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def valid_until(*, verified_on: date, cycles: Iterable[CycleRow]) -> tuple[date, int]:
    """Return the due date after a pass on the date, and the cycle (months) applied."""
    cycle = cycle_in_force(cycles, verified_on)
    return add_months(verified_on, cycle.cycle_months), cycle.cycle_months
