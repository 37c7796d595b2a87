"""Worked examples of the evidence and self-check rules."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D  # noqa: N817 (worked examples read better)

import pytest

from metrology_svc.readings import rules
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.rulebook.rules import NoRuleError
from metrology_svc.settings import Settings

INGEST = IngestRules.from_settings(Settings())

R87 = rules.read_shortfall_table()


@pytest.mark.parametrize(
    ("declared", "permitted"),
    [
        ("5", "0.45"),  # 9 % of 5 g, the first band includes its lower bound
        ("50", "4.5"),  # 9 % of 50 g: the upper bound belongs to the band
        ("80", "4.5"),  # fixed 4.5 g
        ("200", "9.0"),  # 4.5 % of 200 g
        ("250", "9"),  # fixed 9 g
        ("400", "12"),  # 3 %
        ("1000", "15"),  # fixed 15 g
        ("2000", "30"),  # 1.5 %
        ("12000", "150"),  # fixed 150 g
        ("20000", "200"),  # 1 %
    ],
)
def test_permitted_shortfall_follows_the_r87_table(declared: str, permitted: str) -> None:
    assert rules.permitted_shortfall(declared_g=D(declared), bands=R87) == D(permitted)


def test_below_the_table_there_is_no_rule() -> None:
    with pytest.raises(NoRuleError):
        rules.permitted_shortfall(declared_g=D("4"), bands=R87)
    ev = rules.judge_check(declared_g=D("4"), measured_g=D("1"), bands=R87, binding=True)
    assert ev == rules.CheckEvidence(permitted_shortfall_g=None, missing_g=None, short=False)


def test_one_kilogram_declared_975_g_measured_is_10_g_missing_under_a_binding_table() -> None:
    ev = rules.judge_check(declared_g=D("1000"), measured_g=D("975"), bands=R87, binding=True)
    assert ev.permitted_shortfall_g == D("15")
    assert ev.missing_g == D("10")
    assert ev.short
    assert ev.binding


def test_under_a_reference_table_the_same_check_is_only_a_deviation() -> None:
    ev = rules.judge_check(declared_g=D("1000"), measured_g=D("975"), bands=R87, binding=False)
    assert (ev.permitted_shortfall_g, ev.missing_g) == (D("15"), D("10"))
    assert not ev.short
    assert not ev.binding
    assert rules.deviation(declared_g=D("1000"), measured_g=D("975")) == D("25")
    assert rules.FIGURES[False] == ("chênh lệch (tham khảo)", "deviation (reference only)")
    assert rules.FIGURES[True] == ("thiếu", "shortfall")


def test_a_shortfall_within_the_permitted_one_is_not_evidence() -> None:
    ev = rules.judge_check(declared_g=D("1000"), measured_g=D("985"), bands=R87, binding=True)
    assert ev.missing_g == D("0")
    assert not ev.short
    over = rules.judge_check(declared_g=D("500"), measured_g=D("520"), bands=R87, binding=True)
    assert over.missing_g == D("-35")
    assert not over.short


@pytest.mark.parametrize(
    ("binding", "short", "missing", "stable", "verdict"),
    [
        (True, True, 10.0, True, "short"),
        (True, False, 0.0, True, "within"),
        (True, False, 10.0, False, "unsettled"),
        (False, False, 10.0, True, "deviation"),
        (False, True, 10.0, True, "deviation"),  # stored short before the rulebook: no law binds
        (False, False, -5.0, True, "within"),
        (False, False, 10.0, False, "unsettled"),
        (False, False, None, True, "not_judged"),
    ],
)
def test_verdicts(
    binding: bool, short: bool, missing: float | None, stable: bool, verdict: str
) -> None:
    assert rules.verdict(binding=binding, short=short, missing_g=missing, stable=stable) == verdict


def test_suspect_counts_shortfalls_inside_the_window_only() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    old = now - timedelta(days=31)
    recent = [now - timedelta(days=d) for d in (1, 10, 29)]
    assert rules.is_suspect(short_times=recent, now=now, window_days=30, threshold=3)
    assert not rules.is_suspect(
        short_times=[*recent[:2], old], now=now, window_days=30, threshold=3
    )


def _selfcheck(indicated: str, *, e: float | None = 10) -> rules.SelfCheckResult:
    mpe = INGEST.selfcheck_mpe(
        e_g=e, accuracy_class="III", load=D("2000"), on=datetime(2026, 11, 22, tzinfo=UTC)
    )
    return rules.judge_selfcheck(
        reference_g=D("2000"), indicated_g=D(indicated), mpe_g=mpe.value if mpe else None
    )


def test_selfcheck_uses_the_in_service_mpe() -> None:
    # Class III, e = 10 g, 2 kg = 200 e: verification MPE 0.5 e = 5 g, in service twice: 10 g.
    inside = _selfcheck("2008")
    assert inside.mpe_g == D("10")
    assert inside.error_g == D("8")
    assert inside.passed
    assert _selfcheck("1990").passed  # the bound itself passes
    outside = _selfcheck("2011")
    assert outside.passed is False
    assert outside.error_g == D("11")


def test_selfcheck_without_e_cannot_be_judged() -> None:
    result = _selfcheck("2500", e=None)
    assert result.passed is None
    assert result.mpe_g is None


def test_silent_minutes() -> None:
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert rules.silent_minutes(last_received_at=None, now=now) is None
    assert rules.silent_minutes(last_received_at=now - timedelta(minutes=90), now=now) == 90
