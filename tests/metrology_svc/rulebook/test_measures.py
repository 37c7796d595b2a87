"""Gold limits read conservatively, allowances and shortfalls (rulebook/measures.py)."""

from datetime import date
from decimal import Decimal as D  # noqa: N817 (worked examples read better)

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology_svc.rulebook import measures
from metrology_svc.rulebook.measures import GoldLimitRow
from metrology_svc.rulebook.rules import NoRuleError
from metrology_svc.rulebook.shipped import shipped_rulebook

_VERSION = shipped_rulebook().versions("gold_limit")[0]
ROWS = [GoldLimitRow(r["mass_g"], r["limit_mg"], r["limit_percent"]) for r in _VERSION.typed_rows()]
LISTED = [(r.mass_g, r.limit_mg) for r in ROWS if r.limit_mg is not None]
MASSES = st.decimals(min_value=D("0.001"), max_value=D(50_000), places=3)


def limit(mass: str) -> D:
    return measures.gold_limit(mass_g=D(mass), rows=ROWS).value


@pytest.mark.parametrize(
    ("mass", "expected"),
    [
        ("30", "13"),  # a listed mass: its own row
        ("100", "30"),
        ("6000", "1100"),
        ("37.5", "17"),  # 1 lượng lies between 30 g (13 mg) and 50 g (17 mg): the row above
        ("150", "56"),  # between 100 g (30 mg) and 200 g (56 mg): the row above
        ("3.75", "13"),  # 1 chỉ, below the first row: the first row's 13 mg
        ("0.5", "13"),
        # Above 6 kg: 0.0175 % of the mass, never below the 1100 mg listed at 6000 g:
        ("6100", "1100"),  # 6100 g × 1000 mg/g × 0.0175 / 100 = 1067.5 mg < 1100 mg
        ("10000", "1750"),  # 10000 × 1000 × 0.0175 / 100 = 1750 mg
        ("7000", "1225"),  # 7000 × 1000 × 0.0175 / 100 = 1225 mg > 1100 mg
    ],
)
def test_gold_limits_worked_by_hand_from_table_2(mass: str, expected: str) -> None:
    assert limit(mass) == D(expected)


def test_a_mass_in_the_gap_before_the_percentage_row_has_no_rule() -> None:
    # The percentage row starts at 6000.001 g: 6000.0005 g is above every listed mass and
    # below it, so no reading covers it; nothing is guessed.
    with pytest.raises(NoRuleError, match="above the last row"):
        measures.gold_limit(mass_g=D("6000.0005"), rows=ROWS)


def test_above_the_table_without_a_percentage_row_there_is_no_rule() -> None:
    rows = [r for r in ROWS if r.limit_mg is not None]
    assert measures.gold_limit(mass_g=D(6000), rows=rows).value == 1100
    with pytest.raises(NoRuleError):
        measures.gold_limit(mass_g=D(6001), rows=rows)


@settings(max_examples=300)
@given(a=MASSES, b=MASSES)
def test_the_gold_limit_never_falls_as_the_mass_rises(a: D, b: D) -> None:
    low, high = sorted((a, b))
    try:
        first, second = (measures.gold_limit(mass_g=m, rows=ROWS).value for m in (low, high))
    except NoRuleError:
        return  # only the 6000–6000.001 g gap
    assert first <= second


@settings(max_examples=300)
@given(mass=st.decimals(min_value=D(30), max_value=D(6000), places=3))
def test_the_reading_applied_is_at_least_every_other_reading(mass: D) -> None:
    # Step down (the row below), straight line between rows, step up (the row above): the
    # step-up value is never below the others, so a check short under it is short under all.
    applied = measures.gold_limit(mass_g=mass, rows=ROWS).value
    below = max((m, v) for m, v in LISTED if m <= mass)
    above = min((m, v) for m, v in LISTED if m >= mass)
    line = (
        below[1]
        if above[0] == below[0]
        else below[1] + (above[1] - below[1]) * (mass - below[0]) / (above[0] - below[0])
    )
    assert applied == above[1]
    assert applied >= below[1]
    assert applied >= line


@settings(max_examples=200)
@given(declared=MASSES, measured=MASSES, permitted=st.decimals(min_value=0, max_value=100))
def test_short_means_the_shortfall_exceeds_the_allowance(
    declared: D, measured: D, permitted: D
) -> None:
    short = measures.is_short(declared=declared, measured=measured, permitted=permitted)
    assert short == (declared - measured > permitted)
    assert not (measured >= declared and short)  # nothing missing is never short
    basis = measures.allowance_basis(declared=declared, measured=measured)
    assert basis >= declared
    assert basis >= measured


def test_the_in_service_dispenser_row_is_one_and_a_half_times_the_meter_mpe() -> None:
    # Circular 15/2015: 1.5 × 0.3 % = 0.45 %, from 01/04/2016.
    rows = shipped_rulebook().in_force("dispenser_mpe", date(2016, 4, 1)).typed_rows()
    pct = {(r["type_code"], r["stage"]): r["mpe_percent"] for r in rows}
    assert (
        pct[("fuel_dispenser", "in_service")] == D("1.5") * pct[("fuel_dispenser", "verification")]
    )
    assert measures.percent_of(quantity=D(20), percent=D("0.45")) == D("0.09")
