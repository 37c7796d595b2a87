"""Pure rules for control-scale data: missing quantity or deviation, suspects, self-checks.

The numbers come from the rulebook (metrology_svc/rulebook): the permitted shortfall in force
(shipped: OIML R 87's tolerable deficiency, reference only, since Circular 09/2017 Table 2 was
not retrieved; an office loads its own with `metrology-svc rules load`) and the MPE. A consumer
check is evidence against a seller ("thiếu") only under a table the office loaded as binding;
under any other table the same arithmetic is an indication ("chênh lệch (tham khảo)").
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from metrology_svc.rulebook.rules import (
    NoRuleError,
    ShortfallBand,
    judge_point,
    permitted_shortfall,
)
from metrology_svc.rulebook.shipped import SHORTFALL_FILE, read_shortfall_file

__all__ = [
    "DEFAULT_SHORTFALL_TABLE",
    "FIGURES",
    "CheckEvidence",
    "SelfCheckResult",
    "ShortfallBand",
    "deviation",
    "is_suspect",
    "judge_check",
    "judge_selfcheck",
    "permitted_shortfall",
    "read_shortfall_table",
    "silent_minutes",
    "verdict",
]

DEFAULT_SHORTFALL_TABLE = SHORTFALL_FILE  # the shipped table, for plans that need no database

# What the figure declared − measured is called: (Vietnamese, English), by binding or not.
FIGURES: dict[bool, tuple[str, str]] = {
    True: ("thiếu", "shortfall"),
    False: ("chênh lệch (tham khảo)", "deviation (reference only)"),
}

# Verdicts of a stored check (see verdict()).
SHORT, DEVIATION, WITHIN = "short", "deviation", "within"
UNSETTLED, NOT_JUDGED = "unsettled", "not_judged"


@dataclass(frozen=True, slots=True)
class CheckEvidence:
    """The judgement of one consumer check (Decree 86/2012 Art. 10).

    Under a binding table: missing > 0 is short-weighing (evidence). Under a reference table
    the same numbers are the tolerance and the excess over it: an indication, never evidence.
    """

    permitted_shortfall_g: Decimal | None  # binding: permitted shortfall; else the tolerance
    missing_g: Decimal | None  # declared − measured − permitted (> 0: beyond the allowance)
    short: bool  # beyond the permitted shortfall of a binding table
    binding: bool = False


@dataclass(frozen=True, slots=True)
class SelfCheckResult:
    """A reference weight on the control scale, judged against the in-service MPE."""

    error_g: Decimal
    mpe_g: Decimal | None
    passed: bool | None  # None: no rule judges it (no e or class, or no table in force)


@lru_cache
def read_shortfall_table(path: Path = DEFAULT_SHORTFALL_TABLE) -> tuple[ShortfallBand, ...]:
    """Read a permitted-shortfall CSV through the rulebook's reader (plans and demos)."""
    return read_shortfall_file(path)


def deviation(*, declared_g: Decimal, measured_g: Decimal) -> Decimal:
    """Return the deviation (chênh lệch): declared − measured, > 0 when lighter than declared."""
    return declared_g - measured_g


def judge_check(
    *, declared_g: Decimal, measured_g: Decimal, bands: Sequence[ShortfallBand], binding: bool
) -> CheckEvidence:
    """Judge a consumer check: missing = declared − measured − allowance; short only if binding."""
    try:
        permitted = permitted_shortfall(declared_g=declared_g, bands=bands)
    except NoRuleError:
        return CheckEvidence(permitted_shortfall_g=None, missing_g=None, short=False)
    missing = deviation(declared_g=declared_g, measured_g=measured_g) - permitted
    return CheckEvidence(
        permitted_shortfall_g=permitted,
        missing_g=missing,
        short=binding and missing > 0,
        binding=binding,
    )


def verdict(*, binding: bool, short: bool, missing_g: float | None, stable: bool) -> str:
    """Name a stored judgement: short, deviation, within, unsettled or not_judged.

    short: beyond a binding table's permitted shortfall (evidence); deviation: beyond a
    reference table's tolerance (an indication, never evidence); unsettled: beyond either on
    an unstable indication; not_judged: no table covered the declared mass.
    """
    if missing_g is None:
        return NOT_JUDGED
    if binding and short:
        return SHORT
    if missing_g <= 0:
        return WITHIN
    if not stable:
        return UNSETTLED
    return DEVIATION if not binding else WITHIN


def is_suspect(
    *, short_times: Iterable[datetime], now: datetime, window_days: int, threshold: int
) -> bool:
    """Tell whether a seller has at least `threshold` shortfalls within the last window."""
    since = now - timedelta(days=window_days)
    return sum(1 for t in short_times if since <= t <= now) >= threshold


def judge_selfcheck(
    *, reference_g: Decimal, indicated_g: Decimal, mpe_g: Decimal | None
) -> SelfCheckResult:
    """Judge a reference weight's indication against the in-service MPE (None: cannot judge)."""
    if mpe_g is None:
        return SelfCheckResult(error_g=indicated_g - reference_g, mpe_g=None, passed=None)
    point = judge_point(reference=reference_g, indicated=indicated_g, mpe=mpe_g)
    return SelfCheckResult(error_g=point.error, mpe_g=point.mpe, passed=point.passed)


def silent_minutes(*, last_received_at: datetime | None, now: datetime) -> float | None:
    """Return how long a device has been silent, in minutes (None if never heard)."""
    if last_received_at is None:
        return None
    return max(0.0, (now - last_received_at).total_seconds() / 60)
