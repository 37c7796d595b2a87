"""Verification histories for demo instruments, built from the real cycle and MPE rules.

Dates are chosen so that the last verification leaves the instrument in its target status at the
given today; test points are read on the instrument's division, inside the MPE for a pass and
just outside it on one or two points for a fail.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from metrology_svc.demo import catalogue
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.rulebook import rules
from metrology_svc.rulebook.rules import CycleRow
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.verifications.models import VerificationKind
from metrology_svc.verifications.schemas import PointIn, VerificationCreate

Target = Literal["in_service", "due", "overdue", "failed", "registered"]

# Loads: Min (the class's minimum capacity), then fractions of Max: for 15 kg, e = 50 g these
# are 0.5, 2.5, 7.5, 10 and 15 kg (ĐLVN 30:2019; Min, ½ Max and Max are required loads).
SCALE_FRACTIONS = (Decimal(1) / 6, Decimal(1) / 2, Decimal(2) / 3, Decimal(1))
DRAW_ML = Decimal(20000)  # one 20 L proving-measure draw
DISPENSER_RESOLUTION_ML = Decimal(10)  # dispensers show litres to two decimals


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """What the plan needs to know about an instrument type."""

    category: TypeCategory
    accuracy_class: str | None
    cycles: tuple[CycleRow, ...]


@dataclass(frozen=True, slots=True)
class Context:
    """The fixed inputs of a history: today, the due-soon window and the dispenser MPE."""

    today: date
    due_soon_days: int
    dispenser_mpe_percent: Decimal


@dataclass(frozen=True, slots=True)
class Step:
    """One verification in a history: date, kind and whether it is meant to pass."""

    on: date
    kind: VerificationKind
    passes: bool


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _earliest(cycles: Sequence[CycleRow]) -> date:
    return min(c.effective_from for c in cycles)


def last_date(
    rng: random.Random, *, target: Target, info: TypeInfo, ctx: Context, before: date | None = None
) -> date | None:
    """Return a date for the last verification that leaves the target status, or None.

    With `before`, the date falls before that day (a site no one has verified at since).
    """
    lo = max(_earliest(info.cycles), ctx.today - timedelta(days=1100))
    hi = min(ctx.today, before or ctx.today) - timedelta(days=1)
    if target == "failed":
        lo = max(lo, ctx.today - timedelta(days=240))
    if lo > hi:
        return None
    span = (hi - lo).days
    if target == "failed":
        return lo + timedelta(days=rng.randint(0, span))
    for _ in range(400):
        on = lo + timedelta(days=rng.randint(0, span))
        due, _ = rules.valid_until(verified_on=on, cycles=info.cycles)
        status = status_for_due(due_date=due, today=ctx.today, due_soon_days=ctx.due_soon_days)
        if status.value == target:
            return on
    return None


def steps(
    rng: random.Random, *, target: Target, info: TypeInfo, ctx: Context, before: date | None = None
) -> list[Step] | None:
    """Return the verifications, oldest first, that end in the target status (None: cannot)."""
    if target == "registered":
        return []
    last = last_date(rng, target=target, info=info, ctx=ctx, before=before)
    if last is None:
        return None
    if target == "failed":
        chain, anchor, earlier = [Step(last, VerificationKind.PERIODIC, False)], last, (1, 3)
    elif rng.random() < 0.12:
        # Failed, repaired, verified again after repair a few weeks later.
        failed_on = last - _days(rng, 3, 45)
        chain = [
            Step(failed_on, VerificationKind.PERIODIC, False),
            Step(last, VerificationKind.AFTER_REPAIR, True),
        ]
        anchor, earlier = failed_on, (0, 2)
    else:
        chain, anchor, earlier = [Step(last, VerificationKind.PERIODIC, True)], last, (0, 3)
    floor = _earliest(info.cycles)
    for _ in range(rng.randint(*earlier)):
        try:
            months = rules.cycle_in_force(info.cycles, anchor - timedelta(days=365)).cycle_months
        except rules.NoRuleError:
            break
        # Offices verify a little early or a little late, never exactly on the due date.
        previous = rules.add_months(anchor, -months) + timedelta(days=rng.randint(-20, 25))
        if previous < floor or previous >= anchor:
            break
        chain.insert(0, Step(previous, VerificationKind.PERIODIC, True))
        anchor = previous
    first = chain[0]
    chain[0] = Step(first.on, VerificationKind.INITIAL, first.passes)
    return chain


def _offset(rng: random.Random, *, mpe: Decimal, step: Decimal, fail: bool) -> Decimal:
    kmax = int((mpe / step).to_integral_value(rounding=ROUND_FLOOR))
    if fail:
        return rng.choice([-1, 1]) * (kmax + rng.randint(1, 3)) * step
    if rng.random() < 0.45:
        return Decimal(0)
    return rng.randint(-kmax, kmax) * step


def _failing(rng: random.Random, count: int, passes: bool) -> set[int]:
    if passes:
        return set()
    return set(rng.sample(range(count), 2 if count > 2 and rng.random() < 0.3 else 1))


def scale_points(
    rng: random.Random, *, max_g: Decimal, e: Decimal, d: Decimal, accuracy_class: str, passes: bool
) -> list[PointIn]:
    """Return scale test points (loads in g) that pass, or fail on one or two loads."""
    limit = shipped_rulebook().class_limit(on=date.max, accuracy_class=accuracy_class, e=e)
    loads = [limit.value.min_capacity_e * e] + [
        max(e, (max_g * f / e).to_integral_value(rounding=ROUND_HALF_UP) * e)
        for f in SCALE_FRACTIONS
    ]
    failing = _failing(rng, len(loads), passes)
    points = []
    for i, load in enumerate(loads):
        # The shipped R 76 table: the MPE bands have one version (the latest is asked for).
        mpe = (
            shipped_rulebook()
            .scale_mpe(on=date.max, accuracy_class=accuracy_class, e=e, load=load)
            .value
        )
        shown = load + _offset(rng, mpe=mpe, step=d, fail=i in failing)
        points.append(PointIn(reference=float(load), indicated=float(shown)))
    return points


def dispenser_points(rng: random.Random, *, percent: Decimal, passes: bool) -> list[PointIn]:
    """Return three 20 L draws (at Qmax, a middle flow and Qmin), in mL."""
    mpe = rules.dispenser_mpe(volume=DRAW_ML, percent=percent)
    failing = _failing(rng, 3, passes)
    return [
        PointIn(
            reference=float(DRAW_ML),
            indicated=float(
                DRAW_ML + _offset(rng, mpe=mpe, step=DISPENSER_RESOLUTION_ML, fail=i in failing)
            ),
        )
        for i in range(3)
    ]


def other_points(rng: random.Random, *, type_code: str, passes: bool) -> list[PointIn]:
    """Return points with their MPE for a type the service has no built-in rule for."""
    rows = catalogue.OTHER_POINTS[type_code]
    failing = _failing(rng, len(rows), passes)
    points = []
    for i, (reference, percent, resolution) in enumerate(rows):
        ref = Decimal(reference)
        mpe = ref * Decimal(percent) / 100
        shown = ref + _offset(rng, mpe=mpe, step=Decimal(resolution), fail=i in failing)
        points.append(PointIn(reference=float(ref), indicated=float(shown), mpe=float(mpe)))
    return points


def verification(
    rng: random.Random, *, step: Step, type_code: str, points: list[PointIn]
) -> VerificationCreate:
    """Return the verification record an office would enter for one step."""
    verifier = f"{rng.choice(catalogue.VERIFIERS)} ({catalogue.VERIFYING_BODY})"
    certificate = f"{rng.randint(1000, 9999)} - {step.on.year % 100:02d} (HT)"
    if not step.passes:
        notes = "Sai số vượt giới hạn cho phép; yêu cầu sửa chữa. / Error beyond MPE; repair."
    elif step.kind is VerificationKind.AFTER_REPAIR:
        notes = "Kiểm định sau sửa chữa. / Verified after repair."
    else:
        notes = ""
    return VerificationCreate(
        kind=step.kind,
        verified_on=step.on,
        verifier=verifier,
        procedure=catalogue.PROCEDURES[type_code],
        certificate_no=certificate if step.passes else None,
        standard_codes=catalogue.STANDARDS_FOR[type_code],
        points=points,
        notes=notes,
    )
