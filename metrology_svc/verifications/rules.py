"""Pure calculations: maximum permissible errors, point judgements and due dates."""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MpeBand:
    """One row of OIML R 76 table: loads in (load_from_e, load_to_e] carry mpe_e × e."""

    accuracy_class: str
    load_from_e: Decimal
    load_to_e: Decimal | None
    mpe_e: Decimal


@dataclass(frozen=True, slots=True)
class CycleRow:
    """A verification cycle in force from a date."""

    cycle_months: int
    effective_from: date


@dataclass(frozen=True, slots=True)
class PointResult:
    """The judgement of one test point."""

    reference: Decimal
    indicated: Decimal
    error: Decimal
    mpe: Decimal
    passed: bool


class NoRuleError(ValueError):
    """No rule covers the case (unknown class, load outside the table, no cycle in force)."""


def scale_mpe(
    *,
    load: Decimal,
    e: Decimal,
    accuracy_class: str,
    bands: Iterable[MpeBand],
    factor: Decimal = Decimal(1),
) -> Decimal:
    """Return the MPE for a load on a scale of the class and e (factor 2 for in-service)."""
    if e <= 0 or load < 0:
        raise NoRuleError("load must be ≥ 0 and e > 0")
    m = load / e
    rows = sorted(
        (b for b in bands if b.accuracy_class == accuracy_class), key=lambda b: b.load_from_e
    )
    if not rows:
        raise NoRuleError(f"no MPE bands for accuracy class {accuracy_class!r}")
    for band in rows:
        above_lower = m > band.load_from_e or (band is rows[0] and m >= band.load_from_e)
        if above_lower and (band.load_to_e is None or m <= band.load_to_e):
            return band.mpe_e * e * factor
    # Beyond the last band (loads above the class's range): the widest band applies.
    return rows[-1].mpe_e * e * factor


def dispenser_mpe(*, volume: Decimal, percent: Decimal) -> Decimal:
    """Return the MPE for a delivered volume at a percentage (ĐLVN 10: 0.3 %)."""
    if volume <= 0:
        raise NoRuleError("volume must be > 0")
    return volume * percent / Decimal(100)


def judge_point(*, reference: Decimal, indicated: Decimal, mpe: Decimal) -> PointResult:
    """Judge one point: the error is indication − reference, within ±MPE passes."""
    error = indicated - reference
    return PointResult(reference, indicated, error, mpe, abs(error) <= mpe)


def all_passed(points: Sequence[PointResult]) -> bool:
    """Return True when there is at least one point and every point passed."""
    return bool(points) and all(p.passed for p in points)


def cycle_in_force(cycles: Iterable[CycleRow], on: date) -> CycleRow:
    """Return the cycle row in force on the date (the latest effective_from on or before it)."""
    eligible = [c for c in cycles if c.effective_from <= on]
    if not eligible:
        raise NoRuleError(f"no verification cycle in force on {on.isoformat()}")
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
