"""Measurement checks judged by the rulebook: worked examples by hand from the tables, and laws.

Dates: 22/11/2026 (an inspection under the rules in force today). The shipped shortfall table
is OIML R 87 (reference only, not binding); BINDING adds a version an office loaded as binding
from 01/01/2026 (the R 87 rows, as a stand-in for Circular 09/2017 Table 2).
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D  # noqa: N817 (worked examples read better)

import pytest

from metrology_svc.measurement_checks.models import KIND_TEXT, VERDICT_TEXT, CheckKind, Verdict
from metrology_svc.measurement_checks.rules import CheckInput, judge
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.shipped import shipped_rulebook, shipped_versions

ON = date(2026, 11, 22)
SHIPPED = shipped_rulebook()
_R87 = next(v for v in shipped_versions() if v.code == "shortfall")
BINDING = Rulebook(
    [
        *shipped_versions(),
        replace(
            _R87,
            version="2026-01-01",
            effective_from=date(2026, 1, 1),
            status="sourced",
            binding=True,
            source="QĐ thử nghiệm 1/2026 (binding permitted shortfall, test only)",
            loaded=True,
        ),
    ]
)
RETAIL, PETROL, GOLD = (
    CheckKind.RETAIL_WEIGHING,
    CheckKind.PETROL_DELIVERY,
    CheckKind.GOLD_MEASUREMENT,
)


def check(
    kind: CheckKind,
    declared: str,
    measured: str,
    *,
    on: date = ON,
    scale_max_g: D | None = None,
    scale_interval_g: D | None = None,
    dispenser_type: str = "fuel_dispenser",
) -> CheckInput:
    return CheckInput(
        kind=kind,
        on=on,
        declared=D(declared),
        measured=D(measured),
        scale_max_g=scale_max_g,
        scale_interval_g=scale_interval_g,
        dispenser_type=dispenser_type,
    )


# Petrol: Circular 15/2015, in service 1.5 × 0.3 % = 0.45 % of the volume.
@pytest.mark.parametrize(
    ("declared", "measured", "permitted", "verdict"),
    [
        ("20", "19.93", "0.09", Verdict.WITHIN),  # 20 L × 0.45 / 100 = 0.09 L; short 0.07 L
        ("20", "19.91", "0.09", Verdict.WITHIN),  # short 0.09 L = 0.09 L: at the limit, within
        ("20", "19.90", "0.09", Verdict.SHORT),  # short 0.10 L > 0.09 L
        ("10", "9.95", "0.045", Verdict.SHORT),  # 10 × 0.45 / 100 = 0.045 L; short 0.05 L
        # More given than shown: the table is read at the larger figure, 5.02 L × 0.45 / 100
        ("5", "5.02", "0.02259", Verdict.WITHIN),
    ],
)
def test_petrol_worked_examples(
    declared: str, measured: str, permitted: str, verdict: Verdict
) -> None:
    judged = judge(SHIPPED, check(PETROL, declared, measured))
    assert judged.permitted == D(permitted)
    assert judged.shortfall == D(declared) - D(measured)
    assert judged.verdict is verdict
    assert judged.violation_proposed == (verdict is Verdict.SHORT)
    assert judged.rule is not None
    assert (judged.rule.ref.code, judged.rule.effective_from) == ("dispenser_mpe", date(2016, 4, 1))
    assert "15/2015" in judged.rule.ref.source


def test_petrol_before_the_in_service_rule_is_not_called_short() -> None:
    # Before 01/04/2016 only the verification MPE (0.3 %) is in the table: no in-service rule.
    judged = judge(SHIPPED, check(PETROL, "20", "19.5", on=date(2015, 6, 1)))
    assert judged.verdict is Verdict.NO_BINDING_RULE
    assert judged.permitted is None
    assert "in-service MPE" in judged.reasons[0].en
    assert "khi sử dụng" in judged.reasons[0].vi


def test_an_lpg_dispenser_uses_its_own_row() -> None:
    judged = judge(SHIPPED, check(PETROL, "10", "9.96", dispenser_type="lpg_dispenser"))
    assert judged.permitted == D("0.045")  # 10 × 0.45 / 100, an unverified row
    assert judged.verdict is Verdict.WITHIN
    assert judged.rule is not None
    assert judged.rule.ref.status == "unverified"


# Gold: Circular 22/2013 Table 1 (e by Max) and Table 2 (limit by mass, read step-up).
@pytest.mark.parametrize(
    ("declared", "measured", "limit_g", "verdict"),
    [
        (
            "37.50",
            "37.485",
            "0.017",
            Verdict.WITHIN,
        ),  # 1 lượng: 30 g < 37.5 g ≤ 50 g → 17 mg; short 15 mg
        (
            "37.50",
            "37.48",
            "0.017",
            Verdict.SHORT,
        ),  # short 20 mg > 17 mg (also > 13 mg: short under every reading)
        ("100.00", "99.97", "0.030", Verdict.WITHIN),  # listed 100 g → 30 mg; short 30 mg = limit
        ("100.00", "99.969", "0.030", Verdict.SHORT),  # short 31 mg > 30 mg
        ("3.75", "3.74", "0.013", Verdict.WITHIN),  # 1 chỉ, below 30 g → 13 mg; short 10 mg
        ("3.75", "3.735", "0.013", Verdict.SHORT),  # short 15 mg > 13 mg
        ("1000", "999.8", "0.240", Verdict.WITHIN),  # 1000 g → 240 mg; short 200 mg
    ],
)
def test_gold_worked_examples(declared: str, measured: str, limit_g: str, verdict: Verdict) -> None:
    judged = judge(
        SHIPPED, check(GOLD, declared, measured, scale_max_g=D(200), scale_interval_g=D("0.001"))
    )
    if D(declared) > 200:
        judged = judge(
            SHIPPED,
            check(GOLD, declared, measured, scale_max_g=D(3000), scale_interval_g=D("0.01")),
        )
    assert judged.permitted == D(limit_g)
    assert judged.scale_suitable is True
    assert judged.verdict is verdict
    assert judged.rule is not None
    assert judged.rule.ref.code == "gold_limit"
    assert judged.rule.effective_from == date(2014, 6, 1)


@pytest.mark.parametrize(
    ("max_g", "e_g", "allowed_g", "suits"),
    [
        ("200", "0.001", "0.001", True),  # Max ≤ 200 g → e ≤ 1 mg
        ("200", "0.01", "0.001", False),  # 10 mg on a 200 g scale: too coarse
        ("220", "0.01", "0.01", True),  # 200 g < Max ≤ 3000 g → e ≤ 10 mg
        ("6000", "0.1", "0.1", True),  # 3000 g < Max ≤ 10000 g → e ≤ 100 mg
        ("6000", "1", "0.1", False),
        ("20000", "1", "1", True),  # Max > 10000 g → e ≤ 1000 mg
    ],
)
def test_gold_scale_interval_by_max(max_g: str, e_g: str, allowed_g: str, suits: bool) -> None:
    judged = judge(
        SHIPPED, check(GOLD, "37.5", "37.5", scale_max_g=D(max_g), scale_interval_g=D(e_g))
    )
    assert judged.allowed_interval_g == D(allowed_g)
    assert judged.scale_suitable is suits
    assert judged.verdict is (Verdict.WITHIN if suits else Verdict.UNSUITABLE_SCALE)
    assert judged.scale_rule is not None
    assert judged.scale_rule.ref.code == "gold_division"


def test_gold_short_on_an_unsuitable_scale_is_short_and_says_both() -> None:
    judged = judge(
        SHIPPED, check(GOLD, "37.50", "37.40", scale_max_g=D(200), scale_interval_g=D("0.01"))
    )
    assert (judged.verdict, judged.scale_suitable, judged.violation_proposed) == (
        Verdict.SHORT,
        False,
        True,
    )
    assert any("coarser" in r.en for r in judged.reasons)


# Retail: Circular 09/2017. Shipped shortfall table: R 87, reference only, not binding.
def test_retail_shortfall_without_a_binding_table_is_no_binding_rule() -> None:
    judged = judge(SHIPPED, check(RETAIL, "1000", "950"))  # 50 g missing from a kilo of pork
    assert judged.verdict is Verdict.NO_BINDING_RULE
    assert not judged.violation_proposed
    assert judged.permitted is None
    assert judged.rule is not None
    assert (judged.rule.ref.code, judged.rule.ref.binding) == ("shortfall", False)
    assert "no binding permitted-shortfall table" in judged.reasons[0].en
    assert "không kết luận người bán cân thiếu" in judged.reasons[0].vi


def test_retail_with_nothing_missing_is_within_under_any_table() -> None:
    assert judge(SHIPPED, check(RETAIL, "1000", "1005")).verdict is Verdict.WITHIN


@pytest.mark.parametrize(
    ("declared", "measured", "permitted", "verdict"),
    [
        ("1000", "985", "15", Verdict.WITHIN),  # 500 g < 1000 g ≤ 1000 g → 15 g; short 15 g
        ("1000", "980", "15", Verdict.SHORT),  # short 20 g > 15 g
        ("2000", "1970", "30", Verdict.WITHIN),  # 1000–10000 g: 1.5 % × 2000 g = 30 g
        ("2000", "1969", "30", Verdict.SHORT),  # short 31 g
        ("400", "390", "12", Verdict.WITHIN),  # 300–500 g: 3 % × 400 g = 12 g; short 10 g
    ],
)
def test_retail_under_a_binding_table(
    declared: str, measured: str, permitted: str, verdict: Verdict
) -> None:
    judged = judge(BINDING, check(RETAIL, declared, measured))
    assert judged.permitted == D(permitted)
    assert judged.verdict is verdict
    assert judged.rule is not None
    assert (judged.rule.ref.binding, judged.rule.effective_from) == (True, date(2026, 1, 1))


@pytest.mark.parametrize(
    ("goods", "d", "allowed", "suits"),
    [
        ("1000", "20", "20", True),  # 400 g < 1000 g ≤ 1000 g → d ≤ 20 g
        ("1000", "50", "20", False),  # the 15 kg spring scale (d = 50 g) for a kilo: unsuitable
        ("1500", "50", "50", True),  # 1000 g < 1500 g ≤ 2000 g → d ≤ 50 g
        ("150", "5", "5", True),  # 100 g < 150 g ≤ 200 g → d ≤ 5 g
    ],
)
def test_retail_scale_division_by_table_1(goods: str, d: str, allowed: str, suits: bool) -> None:
    judged = judge(SHIPPED, check(RETAIL, goods, goods, scale_interval_g=D(d)))
    assert judged.allowed_interval_g == D(allowed)
    assert judged.scale_suitable is suits
    assert judged.verdict is (Verdict.WITHIN if suits else Verdict.UNSUITABLE_SCALE)
    assert judged.scale_rule is not None
    assert (judged.scale_rule.ref.code, judged.scale_rule.effective_from) == (
        "retail_division",
        date(2017, 8, 15),
    )


def test_retail_goods_below_table_1_leave_the_scale_unjudged() -> None:
    judged = judge(SHIPPED, check(RETAIL, "30", "30", scale_interval_g=D(5)))
    assert judged.scale_suitable is None
    assert judged.verdict is Verdict.WITHIN
    assert any("outside" in r.en for r in judged.reasons)


def test_a_declared_mass_below_the_binding_table_is_not_judged() -> None:
    # R 87's first band starts at 5 g: 3 g declared has no permitted shortfall in the table.
    judged = judge(BINDING, check(RETAIL, "3", "2"))
    assert (judged.verdict, judged.permitted) == (Verdict.NO_BINDING_RULE, None)
    assert judged.rule is not None
    assert judged.rule.ref.binding
    assert "no permitted shortfall for a declared 3 g" in judged.reasons[0].en


def test_a_reference_only_table_never_makes_a_delivery_short() -> None:
    shipped = [v for v in shipped_versions() if v.code == "dispenser_mpe"][-1]
    rows = tuple(
        {k: v for k, v in r.items() if k not in ("status", "source")} for r in shipped.rows
    )
    reference = replace(
        shipped,
        version="2026-01-01",
        effective_from=date(2026, 1, 1),
        status="reference-only",
        source="a foreign table, for comparison only",
        rows=rows,
        loaded=True,
    )
    book = Rulebook([*shipped_versions(), reference])
    judged = judge(book, check(PETROL, "20", "19"))  # 1 L missing of 20 L
    assert (judged.verdict, judged.permitted) == (Verdict.NO_BINDING_RULE, None)
    assert "reference only" in judged.reasons[0].en


def test_every_kind_and_verdict_has_words_in_both_languages() -> None:
    assert set(KIND_TEXT) == set(CheckKind)
    assert set(VERDICT_TEXT) == set(Verdict)
    assert all(vi and en for vi, en in [*KIND_TEXT.values(), *VERDICT_TEXT.values()])
