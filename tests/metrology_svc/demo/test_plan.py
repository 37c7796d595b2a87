"""The demo plan is pure: the same seed and today give the same province."""

from collections import Counter

from metrology_svc.demo import places
from metrology_svc.demo.history import TypeInfo
from metrology_svc.demo.plan import DemoPlan, build_plan
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.service import read_types
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.rulebook.shipped import shipped_rulebook
from tests.metrology_svc.demo.conftest import TODAY


def _types() -> dict[str, TypeInfo]:
    book = shipped_rulebook()
    return {
        r.code: TypeInfo(
            category=TypeCategory(r.category),
            accuracy_class=r.default_accuracy_class,
            cycles=tuple(book.cycle_rows(r.code)),
        )
        for r in read_types()
    }


def _plan(seed: int, instruments: int = 300) -> DemoPlan:
    return build_plan(
        seed=seed,
        instruments=instruments,
        today=TODAY,
        types=_types(),
        due_soon_days=30,
        dispenser_mpe_percent=0.3,
    )


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    first, again, other = _plan(42), _plan(42), _plan(7)
    assert first == again
    assert first != other


def test_plan_has_every_type_status_and_one_control_scale_per_market() -> None:
    plan = _plan(42)
    assert len(plan.instruments) == 300
    assert {i.fields["type_code"] for i in plan.instruments} == set(_types())
    targets = Counter(str(i.target) for i in plan.instruments)
    assert all(targets[t] > 0 for t in ("in_service", "due", "overdue", "failed", "registered"))
    controls = [i.site for i in plan.instruments if i.fields["role"] is InstrumentRole.CONTROL]
    assert sorted(controls) == sorted(m.name for m in places.MARKETS)
    actions = sorted(i.action.action for i in plan.instruments if i.action is not None)
    assert actions == ["retire", "suspend"]


def test_histories_are_chronological_and_before_today() -> None:
    for item in _plan(3).instruments:
        dates = [v.verified_on for v in item.history]
        assert dates == sorted(dates)
        assert all(d < TODAY for d in dates)
        assert (item.target == "registered") == (not item.history)


def test_owners_look_vietnamese_and_some_companies_write_in_english() -> None:
    plan = _plan(42)
    trade_names = [o.trade_name for o in plan.owners if o.trade_name]
    assert any(t.startswith(("Sạp", "Quầy", "Ki-ốt")) for t in trade_names)
    english = [o for o in plan.owners if o.language == "en"]
    assert english
    assert all(o.email and o.tax_code for o in english)
