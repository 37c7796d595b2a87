"""The pure rules against worked examples, and their properties over any class, e and load."""

from datetime import date
from decimal import Decimal as D  # noqa: N817 (worked examples read better)

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.rulebook import rules
from metrology_svc.rulebook.shipped import shipped_rulebook

ON = date(2026, 11, 22)
BOOK = shipped_rulebook()


def _bands() -> list[rules.MpeBand]:
    version = BOOK.in_force("scale_mpe", ON)
    return [
        rules.MpeBand(
            r["accuracy_class"],
            r["load_from_e"],
            r["load_to_e"],
            r["mpe_e"],
            r["in_service_factor"],
        )
        for r in version.typed_rows()
    ]


def _limits() -> list[rules.ClassLimit]:
    return [
        rules.ClassLimit(
            r["accuracy_class"],
            r["e_min_g"],
            r["e_max_g"],
            r["n_min"],
            r["n_max"],
            r["min_capacity_e"],
        )
        for r in BOOK.in_force("scale_classes", ON).typed_rows()
    ]


BANDS, LIMITS = _bands(), _limits()


@pytest.mark.parametrize(
    ("load_g", "mpe_g"),
    [
        ("0", "25"),
        ("500", "25"),
        ("2500", "25"),  # 50 e: the upper bound belongs to the band
        ("2550", "50"),
        ("10000", "50"),  # 200 e
        ("10050", "75"),
        ("15000", "75"),
        ("50000", "75"),  # 1,000 e: the end of class IIII's range
    ],
)
def test_readme_example_15kg_spring_dial_e50(load_g: str, mpe_g: str) -> None:
    """15 kg spring dial scale, class IIII, e = 50 g; in service the MPE doubles."""
    for in_service, factor in ((False, 1), (True, 2)):
        mpe = rules.scale_mpe(
            load=D(load_g), e=D(50), accuracy_class="IIII", bands=BANDS, in_service=in_service
        )
        assert mpe == factor * D(mpe_g)


def test_class_iii_band_edges() -> None:
    mpe = [
        rules.scale_mpe(load=D(m), e=D(1), accuracy_class="III", bands=BANDS)
        for m in (500, 501, 2000, 2001)
    ]
    assert mpe == [D("0.5"), D("1"), D("1"), D("1.5")]


def test_unknown_class_has_no_rule() -> None:
    with pytest.raises(rules.NoRuleError):
        rules.scale_mpe(load=D(1), e=D(1), accuracy_class="V", bands=BANDS)


def test_load_beyond_the_class_range_is_refused() -> None:
    # Class IIII with e = 5 g at 15 kg is 3,000 e: Table 3 stops class IIII at 1,000 e.
    limit = rules.class_limit(accuracy_class="IIII", e=D(5), limits=LIMITS)
    assert (limit.n_min, limit.n_max, limit.min_capacity_e) == (D(100), D(1000), D(10))
    with pytest.raises(rules.NoRuleError, match="3000 e is beyond class IIII's range"):
        rules.scale_mpe(load=D(15000), e=D(5), accuracy_class="IIII", bands=BANDS, limit=limit)
    assert rules.scale_mpe(load=D(5000), e=D(5), accuracy_class="IIII", bands=BANDS, limit=limit)


@pytest.mark.parametrize(
    ("cls", "e", "n_min", "n_max", "min_e"),
    [
        ("I", "0.001", 50000, None, 100),
        ("II", "0.01", 100, 100000, 20),
        ("II", "0.1", 5000, 100000, 50),
        ("III", "1", 100, 10000, 20),
        ("III", "10", 500, 10000, 20),
        ("IIII", "50", 100, 1000, 10),
    ],
)
def test_class_limits_follow_r76_table_3(
    cls: str, e: str, n_min: int, n_max: int | None, min_e: int
) -> None:
    limit = rules.class_limit(accuracy_class=cls, e=D(e), limits=LIMITS)
    assert limit.n_min == n_min
    assert limit.n_max == (None if n_max is None else D(n_max))
    assert limit.min_capacity_e == min_e


@pytest.mark.parametrize(("cls", "e"), [("IIII", "2"), ("II", "0.06"), ("III", "0.05")])
def test_e_outside_the_class_has_no_rule(cls: str, e: str) -> None:
    with pytest.raises(rules.NoRuleError, match=f"class {cls} has no row for e"):
        rules.class_limit(accuracy_class=cls, e=D(e), limits=LIMITS)


def test_dispenser_mpe_and_point_judgement() -> None:
    assert rules.dispenser_mpe(volume=D(20000), percent=D("0.3")) == D(60)
    assert rules.judge_point(reference=D(20000), indicated=D(20060), mpe=D(60)).passed
    beyond = rules.judge_point(reference=D(20000), indicated=D(19939), mpe=D(60))
    assert (beyond.error, beyond.passed) == (D(-61), False)
    assert not rules.all_passed([])


def test_cycle_in_force_follows_effective_date() -> None:
    cycles = [rules.CycleRow(12, date(2013, 11, 15)), rules.CycleRow(18, date(2024, 10, 15))]
    assert rules.valid_until(verified_on=date(2024, 10, 14), cycles=cycles) == (
        date(2025, 10, 14),
        12,
    )
    assert rules.valid_until(verified_on=date(2024, 10, 15), cycles=cycles) == (
        date(2026, 4, 15),
        18,
    )
    with pytest.raises(rules.NoRuleError):
        rules.cycle_in_force(cycles, date(2010, 1, 1))


def test_add_months_clamps_to_month_end() -> None:
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2023, 2, 28), 12) == date(2024, 2, 28)
    assert rules.add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)


E_VALUES = {
    "I": ["0.001", "0.01", "0.1", "1"],
    "II": ["0.001", "0.01", "0.05", "0.1", "0.5", "1", "5"],
    "III": ["0.1", "0.5", "1", "2", "5", "10", "20", "50", "100"],
    "IIII": ["5", "10", "20", "50", "100", "200", "500"],
}


@st.composite
def _in_range(draw: st.DrawFn) -> tuple[str, D, D, D]:
    cls = draw(st.sampled_from(sorted(E_VALUES)))
    e = D(draw(st.sampled_from(E_VALUES[cls])))
    n_max = rules.class_limit(accuracy_class=cls, e=e, limits=LIMITS).n_max or D(500000)
    a, b = sorted(draw(st.integers(0, int(n_max) * 10)) for _ in range(2))
    return cls, e, e * a / 10, e * b / 10


@given(_in_range(), st.booleans())
def test_mpe_is_a_band_multiple_of_e_and_never_falls_with_load(
    case: tuple[str, D, D, D], in_service: bool
) -> None:
    cls, e, low, high = case
    limit = rules.class_limit(accuracy_class=cls, e=e, limits=LIMITS)
    factor = D(2) if in_service else D(1)

    def mpe(load: D) -> D:
        return rules.scale_mpe(
            load=load, e=e, accuracy_class=cls, bands=BANDS, in_service=in_service, limit=limit
        )

    assert mpe(low) in {D("0.5") * e * factor, e * factor, D("1.5") * e * factor}
    assert mpe(low) <= mpe(high)


@given(
    st.lists(
        st.tuples(st.integers(1, 120), st.dates(date(2000, 1, 1), date(2040, 1, 1))),
        min_size=1,
        max_size=6,
        unique_by=lambda c: c[1],
    ),
    st.dates(date(2000, 1, 1), date(2041, 1, 1)),
)
def test_cycle_in_force_is_the_latest_row_on_or_before_the_date(
    rows: list[tuple[int, date]], on: date
) -> None:
    cycles = [rules.CycleRow(m, d) for m, d in rows]
    started = [c for c in cycles if c.effective_from <= on]
    if not started:
        with pytest.raises(rules.NoRuleError):
            rules.cycle_in_force(cycles, on)
        return
    chosen = rules.cycle_in_force(cycles, on)
    assert chosen.effective_from <= on
    assert all(c.effective_from <= chosen.effective_from for c in started)
    assert rules.cycle_in_force(cycles, chosen.effective_from) == chosen
