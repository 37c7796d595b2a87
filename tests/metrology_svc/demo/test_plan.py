"""The demo plan is pure: the same seed and today give the same province."""

import functools
from collections import Counter
from datetime import date

from metrology_svc.demo import places
from metrology_svc.demo.history import TypeInfo
from metrology_svc.demo.plan import DemoPlan, build_plan
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.service import read_types
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.units.national import read_2025
from tests.metrology_svc.demo.conftest import TODAY

REFORM_ON = date(2025, 7, 1)
# The communes of 2025 the demo uses (issue 13), with their names in the national list.
COMMUNES_2025 = {
    "18073": "Phường Thành Sen",
    "18100": "Phường Trần Phú",
    "18652": "Phường Hà Huy Tập",
    "18115": "Phường Bắc Hồng Lĩnh",
    "18118": "Phường Nam Hồng Lĩnh",
    "18754": "Phường Sông Trí",
    "18781": "Phường Hải Ninh",
    "18823": "Phường Vũng Áng",
    "18832": "Phường Hoành Sơn",
    "18406": "Xã Can Lộc",
    "18562": "Xã Thạch Hà",
    "18673": "Xã Cẩm Xuyên",
    "18676": "Xã Thiên Cầm",
}


@functools.cache
def unit_names() -> dict[str, str]:
    """Return code → name of the 2025 list, as the database loads it."""
    return {u.code: u.name for u in read_2025().units}


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
        unit_names=unit_names(),
        reform_on=REFORM_ON,
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


def test_places_spread_over_the_issues_communes_and_name_both_lists() -> None:
    every = places.every_place()
    assert len({p.name for p in every}) == len(every)
    now = {p.commune for p in every if p.commune is not None}
    assert now == set(COMMUNES_2025)  # every one of them has a site, and no other
    assert {c: unit_names()[c] for c in now} == COMMUNES_2025
    assert all(len(p.old_commune) == 5 and p.old_commune.isdigit() for p in every)
    assert {p.commune for p in places.MARKETS} <= set(COMMUNES_2025)  # markets never undecided
    market = next(m for m in places.MARKETS if m.name == places.INSPECTOR_MARKET)
    assert market.commune == "18754"
    # A decided split case carries the inspector's note; an undecided one has no commune.
    undecided = [p for p in every if p.commune is None]
    assert len(undecided) >= 1
    assert all(not p.note for p in undecided)
    assert len([p for p in every if p.note]) >= 1


def test_addresses_are_in_the_2025_form() -> None:
    plan = _plan(42)
    assert plan.reform_on == REFORM_ON
    for site in plan.sites:
        if site.place.commune is None:
            assert site.address is None  # the old address stays until the case is decided
            continue
        commune = COMMUNES_2025[site.place.commune]
        assert site.address == f"{site.place.street}, {places.in_address(commune)}, tỉnh Hà Tĩnh"
    market = next(s for s in plan.sites if s.place.name == "Chợ Hà Tĩnh")
    assert market.address == "Đường Phan Đình Phùng, phường Thành Sen, tỉnh Hà Tĩnh"
    assert not any(
        "huyện" in (o.address or "") or "thị xã" in (o.address or "") for o in plan.owners
    )
    assert places.address("Khối 5", "Thị trấn Nghèn", "Huyện Can Lộc") == (
        "Khối 5, thị trấn Nghèn, huyện Can Lộc"
    )


def test_no_record_since_the_reform_at_a_site_whose_case_is_open() -> None:
    plan = _plan(42)
    undecided = {s.place.name for s in plan.sites if s.place.commune is None}
    items = [i for i in plan.instruments if i.site in undecided]
    assert items
    assert all(v.verified_on < REFORM_ON for i in items for v in i.history)
    later = [v for i in plan.instruments for v in i.history if v.verified_on >= REFORM_ON]
    earlier = [v for i in plan.instruments for v in i.history if v.verified_on < REFORM_ON]
    assert len(later) >= 30
    assert len(earlier) >= 100
