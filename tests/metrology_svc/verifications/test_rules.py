"""The MPE and due-date rules against worked examples."""

from datetime import date
from decimal import Decimal as D  # noqa: N817

import pytest

from metrology_svc.reference_data import r76_bands
from metrology_svc.verifications import rules


@pytest.mark.parametrize(
    ("load_kg", "mpe_g"),
    [
        ("0", "25"),
        ("0.5", "25"),
        ("2.5", "25"),
        ("2.55", "50"),
        ("7.5", "50"),
        ("10", "50"),
        ("10.05", "75"),
        ("15", "75"),
    ],
)
def test_spring_dial_15kg_e50(load_kg: str, mpe_g: str) -> None:
    """15 kg spring dial scale, class IIII, e = 50 g (ĐLVN 30:2019 follows OIML R 76)."""
    mpe = rules.scale_mpe(load=D(load_kg) * 1000, e=D(50), accuracy_class="IIII", bands=r76_bands())
    assert mpe == D(mpe_g)


def test_in_service_mpe_is_twice_verification() -> None:
    mpe = rules.scale_mpe(
        load=D(15000), e=D(50), accuracy_class="IIII", bands=r76_bands(), factor=D(2)
    )
    assert mpe == D(150)


def test_class_iii_band_edges() -> None:
    bands = r76_bands()
    assert rules.scale_mpe(load=D(500), e=D(1), accuracy_class="III", bands=bands) == D("0.5")
    assert rules.scale_mpe(load=D(501), e=D(1), accuracy_class="III", bands=bands) == D("1.0")
    assert rules.scale_mpe(load=D(2001), e=D(1), accuracy_class="III", bands=bands) == D("1.5")


def test_unknown_class_has_no_rule() -> None:
    with pytest.raises(rules.NoRuleError):
        rules.scale_mpe(load=D(1), e=D(1), accuracy_class="V", bands=r76_bands())


def test_dispenser_20l_draw_is_60ml() -> None:
    assert rules.dispenser_mpe(volume=D(20000), percent=D("0.3")) == D(60)


def test_point_within_mpe_passes_and_beyond_fails() -> None:
    assert rules.judge_point(reference=D(20000), indicated=D(20060), mpe=D(60)).passed
    beyond = rules.judge_point(reference=D(20000), indicated=D(19939), mpe=D(60))
    assert not beyond.passed
    assert beyond.error == D(-61)


def test_no_points_is_not_a_pass() -> None:
    assert not rules.all_passed([])


def test_cycle_in_force_follows_effective_date() -> None:
    cycles = [rules.CycleRow(12, date(2013, 11, 15)), rules.CycleRow(24, date(2024, 10, 15))]
    assert rules.valid_until(verified_on=date(2024, 10, 14), cycles=cycles) == (
        date(2025, 10, 14),
        12,
    )
    assert rules.valid_until(verified_on=date(2024, 10, 15), cycles=cycles) == (
        date(2026, 10, 15),
        24,
    )
    with pytest.raises(rules.NoRuleError):
        rules.cycle_in_force(cycles, date(2010, 1, 1))


def test_add_months_clamps_to_month_end() -> None:
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2023, 2, 28), 12) == date(2024, 2, 28)
    assert rules.add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
