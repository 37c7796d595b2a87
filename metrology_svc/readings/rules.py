"""Pure rules for control-scale data: permitted shortfall, missing quantity, suspects, self-checks.

The permitted shortfall table shipped by default is OIML R 87's tolerable deficiency
(metrology_svc/data/r87_tolerable_deficiency.csv), not the Vietnamese Circular 09/2017 Table 2,
which was not available; `settings.shortfall_table_path` replaces it.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from metrology_svc.verifications.rules import MpeBand, NoRuleError, judge_point, scale_mpe

DEFAULT_SHORTFALL_TABLE = Path(__file__).parent.parent / "data" / "r87_tolerable_deficiency.csv"


@dataclass(frozen=True, slots=True)
class ShortfallBand:
    """Declared quantities in (from_g, to_g] may be short by percent of it or by a fixed mass."""

    from_g: Decimal
    to_g: Decimal | None
    percent: Decimal | None
    grams: Decimal | None


@dataclass(frozen=True, slots=True)
class CheckEvidence:
    """The judgement of one consumer check (Decree 86/2012 Art. 10)."""

    permitted_shortfall_g: Decimal | None
    missing_g: Decimal | None  # declared − measured − permitted; > 0 is short-weighing
    short: bool


@dataclass(frozen=True, slots=True)
class SelfCheckResult:
    """A reference weight on the control scale, judged against the in-service MPE."""

    error_g: Decimal
    mpe_g: Decimal | None
    passed: bool | None  # None: the scale lacks e or class, so it cannot be judged


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


@lru_cache
def read_shortfall_table(path: Path = DEFAULT_SHORTFALL_TABLE) -> tuple[ShortfallBand, ...]:
    """Read a permitted-shortfall table (columns as in r87_tolerable_deficiency.csv)."""
    with path.open(encoding="utf-8", newline="") as fh:
        bands = tuple(
            ShortfallBand(
                from_g=Decimal(row["nominal_from_g"]),
                to_g=_dec(row["nominal_to_g"]),
                percent=_dec(row["deficiency_percent"]),
                grams=_dec(row["deficiency_g"]),
            )
            for row in csv.DictReader(fh)
        )
    return tuple(sorted(bands, key=lambda b: b.from_g))


def permitted_shortfall(*, declared_g: Decimal, bands: Sequence[ShortfallBand]) -> Decimal:
    """Return the permitted shortfall for a declared mass (first band includes its lower bound)."""
    for index, band in enumerate(bands):
        above = declared_g > band.from_g or (index == 0 and declared_g >= band.from_g)
        if above and (band.to_g is None or declared_g <= band.to_g):
            if band.percent is not None:
                return declared_g * band.percent / Decimal(100)
            if band.grams is not None:
                return band.grams
    raise NoRuleError(f"no permitted shortfall for a declared {declared_g} g")


def judge_check(
    *, declared_g: Decimal, measured_g: Decimal, bands: Sequence[ShortfallBand]
) -> CheckEvidence:
    """Judge a consumer check: missing = declared − measured − permitted shortfall."""
    try:
        permitted = permitted_shortfall(declared_g=declared_g, bands=bands)
    except NoRuleError:
        return CheckEvidence(permitted_shortfall_g=None, missing_g=None, short=False)
    missing = declared_g - measured_g - permitted
    return CheckEvidence(permitted_shortfall_g=permitted, missing_g=missing, short=missing > 0)


def is_suspect(
    *, short_times: Iterable[datetime], now: datetime, window_days: int, threshold: int
) -> bool:
    """Tell whether a seller has at least `threshold` shortfalls within the last window."""
    since = now - timedelta(days=window_days)
    return sum(1 for t in short_times if since <= t <= now) >= threshold


def judge_selfcheck(
    *,
    reference_g: Decimal,
    indicated_g: Decimal,
    e_g: Decimal | None,
    accuracy_class: str | None,
    bands: Iterable[MpeBand],
    factor: Decimal,
) -> SelfCheckResult:
    """Judge a reference weight's indication against the control scale's in-service MPE."""
    error = indicated_g - reference_g
    if e_g is None or not accuracy_class:
        return SelfCheckResult(error_g=error, mpe_g=None, passed=None)
    try:
        mpe = scale_mpe(
            load=reference_g, e=e_g, accuracy_class=accuracy_class, bands=bands, factor=factor
        )
    except NoRuleError:
        return SelfCheckResult(error_g=error, mpe_g=None, passed=None)
    point = judge_point(reference=reference_g, indicated=indicated_g, mpe=mpe)
    return SelfCheckResult(error_g=point.error, mpe_g=point.mpe, passed=point.passed)


def silent_minutes(*, last_received_at: datetime | None, now: datetime) -> float | None:
    """Return how long a device has been silent, in minutes (None if never heard)."""
    if last_received_at is None:
        return None
    return max(0.0, (now - last_received_at).total_seconds() / 60)
