"""The tables shipped with the release: they load, validate, and answer the worked examples."""

from datetime import date
from decimal import Decimal as D  # noqa: N817 (worked examples read better)

import pytest

from metrology_svc.instrument_types.service import read_types
from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.rules import STATUSES, NoRuleError
from metrology_svc.rulebook.shipped import shipped_rulebook, shipped_versions

BOOK = shipped_rulebook()
TYPES = [t.code for t in read_types()]


def test_every_shipped_version_validates_and_states_its_source() -> None:
    versions = shipped_versions()
    assert {v.code for v in versions} == set(catalogue.SPECS)
    for v in versions:
        spec = catalogue.SPECS[v.code]
        _, problems = catalogue.parse_rows(spec, v.rows)
        assert problems == [], (v.code, v.version)
        assert v.status in STATUSES
        assert len(v.source) > 20
        assert all(BOOK.in_force(v.code, v.effective_from).ref(r).source for r in v.rows)


@pytest.mark.parametrize("code", TYPES)
def test_every_shipped_type_has_a_cycle_from_15_11_2013(code: str) -> None:
    assert BOOK.cycle(type_code=code, on=date(2013, 11, 15)).value > 0
    assert BOOK.cycle(type_code=code, on=date(2026, 12, 6)).value > 0
    with pytest.raises(NoRuleError, match=f"no verification cycle for {code} on 14/11/2013"):
        BOOK.cycle(type_code=code, on=date(2013, 11, 14))


@pytest.mark.parametrize("on", [date(2013, 11, 15), date(2020, 6, 1), date(2024, 10, 15)])
def test_spring_dial_scales_have_24_months_before_and_after_15_10_2024(on: date) -> None:
    cycle = BOOK.cycle(type_code="scale_spring_dial", on=on)
    assert cycle.value == 24
    assert cycle.ref.status == "sourced"


def test_first_issue_cycles_are_marked_unverified_third_party() -> None:
    cycle = BOOK.cycle(type_code="scale_counter", on=date(2015, 1, 1))
    assert (cycle.value, cycle.ref.status) == (12, "unverified")
    assert "third-party transcription" in cycle.ref.source
    assert cycle.ref.label.endswith("phiên bản 2013-11-15 (chưa kiểm chứng / unverified)")


@pytest.mark.parametrize(
    ("code", "on", "months"),
    [
        ("fuel_dispenser", date(2024, 9, 1), 12),
        ("taximeter", date(2024, 10, 14), 12),
        ("taximeter", date(2024, 10, 15), 18),
        ("water_meter_mechanical", date(2016, 1, 1), 60),
        ("water_meter_electronic", date(2021, 1, 1), 36),
    ],
)
def test_cycles_in_force_on_a_date(code: str, on: date, months: int) -> None:
    assert BOOK.cycle(type_code=code, on=on).value == months


def test_readme_example_20l_dispenser() -> None:
    on = date(2026, 11, 22)
    verification = BOOK.dispenser_mpe(on=on, type_code="fuel_dispenser", volume=D(20000))
    in_service = BOOK.dispenser_mpe(
        on=on, type_code="fuel_dispenser", volume=D(20000), in_service=True
    )
    assert (verification.value, in_service.value) == (D(60), D(90))
    assert "15/2015" in in_service.ref.source
    assert in_service.ref.label == "ĐLVN 10 / TT 15/2015 (cột đo), phiên bản 2016-04-01"


def test_no_in_service_dispenser_rule_before_circular_15_2015() -> None:
    with pytest.raises(NoRuleError, match="no in-service MPE for fuel_dispenser"):
        BOOK.dispenser_mpe(
            on=date(2016, 3, 31), type_code="fuel_dispenser", volume=D(20000), in_service=True
        )


def test_lpg_dispensers_borrow_the_fuel_value_marked_unverified() -> None:
    mpe = BOOK.dispenser_mpe(on=date(2026, 1, 1), type_code="lpg_dispenser", volume=D(20000))
    assert (mpe.value, mpe.ref.status) == (D(60), "unverified")


def test_scale_mpe_cites_r76_and_refuses_loads_beyond_the_class() -> None:
    on = date(2026, 11, 22)
    mpe = BOOK.scale_mpe(on=on, accuracy_class="IIII", e=D(50), load=D(15000), in_service=True)
    assert mpe.value == 150
    assert mpe.ref.label == "ĐLVN 30:2019 / R 76 bảng 6, phiên bản 2013-11-15"
    with pytest.raises(NoRuleError) as refused:
        BOOK.scale_mpe(on=on, accuracy_class="IIII", e=D(5), load=D(15000))
    assert "3000 e is beyond class IIII's range (n ≤ 1000 e)" in str(refused.value)
    assert "R 76 bảng 3" in str(refused.value)
    assert "vượt phạm vi của cấp IIII" in refused.value.vi


def test_shortfall_is_r87_reference_only_and_not_binding() -> None:
    permitted = BOOK.shortfall(on=date(2026, 1, 1), declared_g=D(1000))
    assert permitted.value == 15
    assert (permitted.ref.status, permitted.ref.binding) == ("reference-only", False)


@pytest.mark.parametrize(
    ("mass", "division"), [("40", "2"), ("100", "2"), ("101", "5"), ("5000", "200")]
)
def test_retail_division_from_circular_09_2017(mass: str, division: str) -> None:
    assert BOOK.retail_division(on=date(2020, 1, 1), goods_mass_g=D(mass)).value == D(division)
    with pytest.raises(NoRuleError, match="no rule"):
        BOOK.retail_division(on=date(2017, 8, 14), goods_mass_g=D(mass))


def test_gold_tables_answer_only_what_they_state() -> None:
    on = date(2020, 1, 1)
    assert BOOK.gold_division(on=on, max_g=D(200)).value == 1
    assert BOOK.gold_division(on=on, max_g=D(500)).value == 10
    assert BOOK.gold_limit(on=on, mass_g=D(100)).value == 30
    assert BOOK.gold_limit(on=on, mass_g=D(10000)).value == D("1750.0000")
    with pytest.raises(NoRuleError, match="rule between rows is not confirmed"):
        BOOK.gold_limit(on=on, mass_g=D(150))
