"""Laws of measurement-check judgements over many generated checks (bounded budgets)."""

from datetime import date
from decimal import Decimal as D  # noqa: N817

from hypothesis import given, settings
from hypothesis import strategies as st

from metrology_svc.measurement_checks.models import CheckKind, Verdict
from metrology_svc.measurement_checks.rules import judge
from metrology_svc.rulebook.book import Rulebook
from tests.metrology_svc.measurement_checks.test_rules import (
    BINDING,
    GOLD,
    PETROL,
    RETAIL,
    SHIPPED,
    check,
)

GRAMS = st.decimals(min_value=D("0.1"), max_value=D(100_000), places=1)
DAYS = st.dates(min_value=date(2013, 11, 15), max_value=date(2030, 12, 31))


@settings(max_examples=300)
@given(declared=GRAMS, measured=GRAMS, d=st.none() | GRAMS, on=DAYS)
def test_no_retail_check_is_short_without_a_binding_table(
    declared: D, measured: D, d: D | None, on: date
) -> None:
    judged = judge(SHIPPED, check(RETAIL, str(declared), str(measured), scale_interval_g=d, on=on))
    assert judged.verdict is not Verdict.SHORT
    assert not judged.violation_proposed
    if declared > measured and judged.scale_suitable is not False:
        assert judged.verdict is Verdict.NO_BINDING_RULE


@settings(max_examples=300)
@given(
    declared=st.decimals(min_value=D("0.5"), max_value=D(1000), places=2),
    share=st.decimals(min_value=D(0), max_value=D("0.0045"), places=6),
    on=st.dates(min_value=date(2016, 4, 1), max_value=date(2030, 12, 31)),
)
def test_a_delivery_within_one_and_a_half_mpe_is_never_short(
    declared: D, share: D, on: date
) -> None:
    measured = declared - declared * share  # short by at most 0.45 % of the delivery
    judged = judge(SHIPPED, check(PETROL, str(declared), str(measured), on=on))
    assert judged.verdict is Verdict.WITHIN


@settings(max_examples=300)
@given(
    declared=st.decimals(min_value=D("0.5"), max_value=D(1000), places=2),
    extra=st.decimals(min_value=D("0.000001"), max_value=D(10), places=6),
)
def test_a_delivery_beyond_one_and_a_half_mpe_is_short(declared: D, extra: D) -> None:
    measured = declared - declared * D("0.0045") - extra
    judged = judge(SHIPPED, check(PETROL, str(declared), str(measured)))
    assert judged.verdict is Verdict.SHORT


@settings(max_examples=300)
@given(a=GRAMS, b=GRAMS, book=st.sampled_from([BINDING]))
def test_permitted_retail_shortfall_never_falls_as_the_quantity_rises(
    a: D, b: D, book: Rulebook
) -> None:
    low, high = sorted((a, b))
    first, second = (judge(book, check(RETAIL, str(m), str(m))).permitted for m in (low, high))
    if first is not None and second is not None:
        assert first <= second


@settings(max_examples=300)
@given(
    kind=st.sampled_from(list(CheckKind)),
    declared=GRAMS,
    measured=GRAMS,
    on=DAYS,
    book=st.sampled_from([SHIPPED, BINDING]),
)
def test_short_only_beyond_a_rule_that_may_say_so(
    kind: CheckKind, declared: D, measured: D, on: date, book: Rulebook
) -> None:
    scale = (D(3000), D("0.01")) if kind is GOLD else (None, None)
    judged = judge(
        book,
        check(
            kind,
            str(declared),
            str(measured),
            on=on,
            scale_max_g=scale[0],
            scale_interval_g=scale[1],
        ),
    )
    if judged.verdict is Verdict.SHORT:
        assert judged.permitted is not None
        assert judged.rule is not None
        assert judged.shortfall > judged.permitted
        assert judged.rule.ref.status != "reference-only"
        assert kind is not RETAIL or judged.rule.ref.binding
    if judged.shortfall <= 0:
        assert judged.verdict in (Verdict.WITHIN, Verdict.UNSUITABLE_SCALE)
