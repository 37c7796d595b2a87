"""Pure judgements of a measurement checked at an inspection: shortfall against an allowance.

A measurement check compares what the seller, the dispenser or the gold shop showed (declared)
with what the inspectors' reference gave (measured). The shortfall is declared − measured
(negative: the buyer got more). Decree 86/2012 Art. 10: the missing quantity is the deviation
found less the allowance of that measurement; the check is short only when it is positive.

Gold (Circular 22/2013 Table 2) lists limits at masses (30 g, 50 g, …, 6000 g) and a percentage
above 6 kg; how to read a mass between two rows is not confirmed (DOMAIN.md). The reading here
is the conservative one: the seller is called short only if every plausible reading says so.
The plausible readings are the row below (step down), a straight line between the rows, and
the row above (step up); the limits rise with the mass, so the step-up reading is the largest
and is the one applied. Below the first row that gives the first row's limit; above the last
listed mass the larger of the last listed limit and the percentage row (0.0175 % of 6000.001 g
is 1050 mg, less than the 1100 mg listed at 6000 g: a limit that fell as the mass rose would
not be a reading anyone could defend). Above the last row with no percentage row: no rule.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from metrology_svc.rulebook.rules import NoRuleError, num

HUNDRED = Decimal(100)
MG_PER_G = Decimal(1000)


@dataclass(frozen=True, slots=True)
class GoldLimitRow:
    """One row of Circular 22/2013 Table 2: a limit in mg at a mass, or a percentage above it."""

    mass_g: Decimal
    limit_mg: Decimal | None
    limit_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Allowance:
    """An allowance and the index (in the rows given) of the row it came from."""

    value: Decimal
    row: int


def gold_limit(*, mass_g: Decimal, rows: Sequence[GoldLimitRow]) -> Allowance:
    """Return the limit (mg) for a gold measurement of the mass, read conservatively (step up)."""
    if mass_g <= 0:
        raise NoRuleError("the mass must be > 0", vi="khối lượng phải > 0")
    listed = sorted(
        ((r.mass_g, r.limit_mg, i) for i, r in enumerate(rows) if r.limit_mg is not None),
        key=lambda t: t[0],
    )
    for mass, limit, index in listed:
        if mass_g <= mass:  # the first listed mass at or above it: the step-up reading
            return Allowance(limit, index)
    candidates = [Allowance(limit, index) for _, limit, index in listed[-1:]]
    percent = [
        Allowance(mass_g * MG_PER_G * r.limit_percent / HUNDRED, i)
        for i, r in enumerate(rows)
        if r.limit_percent is not None and mass_g >= r.mass_g
    ]
    if not percent:
        raise NoRuleError(
            f"{num(mass_g)} g lies above the last row of the table and no percentage row covers it",
            vi=f"{num(mass_g)} g lớn hơn dòng cuối của bảng và không có dòng phần trăm áp dụng",
        )
    # The latest percentage row that has started, never below the last listed limit.
    return max([percent[-1], *candidates], key=lambda a: a.value)


def percent_of(*, quantity: Decimal, percent: Decimal) -> Decimal:
    """Return percent % of a quantity (the dispenser's in-service MPE: 0.45 % of the volume)."""
    return quantity * percent / HUNDRED


def shortfall(*, declared: Decimal, measured: Decimal) -> Decimal:
    """Return declared − measured: > 0 when the buyer got less than shown."""
    return declared - measured


def is_short(*, declared: Decimal, measured: Decimal, permitted: Decimal) -> bool:
    """Tell whether the shortfall exceeds the allowance (equal to it is still within)."""
    return shortfall(declared=declared, measured=measured) > permitted


def allowance_basis(*, declared: Decimal, measured: Decimal) -> Decimal:
    """Return the quantity an allowance is read at: the larger of the two (never the harsher).

    The tables are read at "the quantity" of the measurement: the seller's figure or the
    reference's. Every table here grows with the quantity, so reading it at the larger figure
    is the lenient choice; when there is a shortfall that is the seller's own figure.
    """
    return max(declared, measured)


def division_suits(*, division_g: Decimal, allowed_g: Decimal) -> bool:
    """Tell whether a scale's division (or interval) is no coarser than the table allows."""
    return division_g <= allowed_g
