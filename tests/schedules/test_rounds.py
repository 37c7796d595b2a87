"""Verification rounds, the rules: urgency, site priority, communes, capacity, holidays."""

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.rounds import (
    EVERYWHERE,
    Inspector,
    RoundInstrument,
    SiteLoad,
    Urgency,
    plan_rounds,
    public_holidays,
    site_key,
    urgency,
    working_days,
)

MONDAY = date(2027, 3, 1)
SONG_TRI, HAI_NINH = "42/18754/", "42/18781/"
_ids = iter(range(1, 1_000_000))


def item(due: date | None, status: str = "overdue") -> RoundInstrument:
    """An instrument with a due date (None: never verified) and a status."""
    return RoundInstrument(next(_ids), "Cân đồng hồ lò xo", "S", "Chủ", "", status, due)


def site(site_id: int, path: str, *items: RoundInstrument) -> SiteLoad:
    """A site in a commune (its unit id is the commune code)."""
    unit_id = int(path.rstrip("/").rsplit("/", 1)[1])
    return SiteLoad(site_id, f"Chợ {site_id}", "", unit_id, path, path, tuple(items))


def overdue(days: int) -> RoundInstrument:
    """An instrument overdue by some days when a round starts on MONDAY."""
    return item(MONDAY - timedelta(days=days))


def test_urgency_of_an_instrument() -> None:
    assert urgency(item(MONDAY + timedelta(days=90), "failed"), first=MONDAY) is Urgency.FAILED
    assert urgency(item(MONDAY - timedelta(days=1), "due"), first=MONDAY) is Urgency.OVERDUE
    assert urgency(item(MONDAY, "due"), first=MONDAY) is Urgency.DUE
    assert urgency(item(None, "registered"), first=MONDAY) is Urgency.NEVER_VERIFIED
    found = item(MONDAY + timedelta(days=200), "not_to_be_used")
    assert urgency(found, first=MONDAY) is Urgency.OVERDUE


def test_one_old_instrument_does_not_pull_its_market_ahead_of_many_overdue() -> None:
    lone = site(1, SONG_TRI, overdue(400))
    crowded = site(2, SONG_TRI, *(overdue(10) for _ in range(5)))
    inspectors = [Inspector(7, "An", (SONG_TRI,))]
    plan = plan_rounds([lone, crowded], inspectors, first=MONDAY, last=MONDAY, capacity=5)
    assert [(v.site_id, v.instruments) for v in plan.visits] == [(2, 5)]
    assert list(plan.unplanned) == [1]
    # With equal loads, the older instrument decides.
    older = site(3, SONG_TRI, overdue(30))
    assert (
        sorted([site(4, SONG_TRI, overdue(5)), older], key=lambda s: site_key(s, first=MONDAY))[0]
        is older
    )


def test_a_failed_instrument_outweighs_an_overdue_one_and_never_verified_come_last() -> None:
    failed = site(1, SONG_TRI, item(MONDAY + timedelta(days=200), "failed"))
    late = site(2, SONG_TRI, overdue(100))
    new = site(3, SONG_TRI, item(None, "registered"))
    ordered = sorted([new, late, failed], key=lambda s: site_key(s, first=MONDAY))
    assert [s.site_id for s in ordered] == [1, 2, 3]


def test_inside_a_site_the_least_urgent_are_left_over() -> None:
    never, due, late = item(None, "registered"), item(MONDAY + timedelta(days=3), "due"), overdue(9)
    market = site(1, SONG_TRI, never, due, late)
    plan = plan_rounds(
        [market], [Inspector(7, "An", (SONG_TRI,))], first=MONDAY, last=MONDAY, capacity=2
    )
    assert plan.visits[0].instrument_ids == (late.instrument_id, due.instrument_id)
    assert plan.unplanned == {1: (never.instrument_id,)}


def test_an_inspector_day_stays_in_one_commune() -> None:
    # One inspector covering the province; capacity 10 would hold all three sites in one day.
    first = site(1, HAI_NINH, *(overdue(50) for _ in range(4)))
    second = site(2, SONG_TRI, *(overdue(20) for _ in range(3)))
    third = site(3, HAI_NINH, overdue(5))
    plan = plan_rounds(
        [second, third, first],
        [Inspector(7, "An", ("42/",))],
        first=MONDAY,
        last=MONDAY + timedelta(days=4),
        capacity=10,
    )
    assert [(v.day.day, v.site_id, v.instruments) for v in plan.visits] == [
        (1, 1, 4),  # Hải Ninh: its most urgent site, then its other one the same day
        (1, 3, 1),
        (2, 2, 3),  # Sông Trí the next day, although there was room on Monday
    ]


def test_capacity_splits_a_large_site_over_inspectors_and_days() -> None:
    market = site(1, SONG_TRI, *(overdue(10) for _ in range(25)))
    inspectors = [Inspector(7, "An", (SONG_TRI,)), Inspector(8, "Bình", (SONG_TRI,))]
    plan = plan_rounds(
        [market, site(3, HAI_NINH, overdue(1))],
        inspectors,
        first=MONDAY,
        last=MONDAY + timedelta(days=1),
        capacity=10,
    )
    assert [(v.day.day, v.inspector_id, v.instruments) for v in plan.visits] == [
        (1, 7, 10),
        (1, 8, 10),
        (2, 7, 5),
    ]
    assert list(plan.unplanned) == [3]  # nobody covers Hải Ninh


def test_tet_2027_and_new_year_are_not_working_days() -> None:
    first, last = date(2026, 12, 28), date(2027, 2, 19)
    closed = {d: [EVERYWHERE] for d in public_holidays(first, last)}
    days = set(working_days(first, last, closed))
    assert date(2027, 1, 1) not in days
    assert not days & {date(2027, 2, d) for d in range(6, 11)}
    assert {date(2026, 12, 31), date(2027, 1, 4), date(2027, 2, 11), date(2027, 2, 3)} <= days
    assert all(d.weekday() < 5 for d in days)


def test_the_holidays_package_calendar_for_tet() -> None:
    """What the pinned `holidays` calendar gives for Vietnam, checked against real dates.

    Tết 2026: the government's days off ran Saturday 14 to Sunday 22 February 2026; the
    package has exactly the five weekdays between. Tết 2027 (Đinh Mùi, 6 February): the
    package gives 4 to 10 February (29 tháng Chạp to mùng 5); the lunar days 6 to 10 are in it.
    A day the government adds beyond the package's goes in the office days-off table.
    """
    tet_2026 = public_holidays(date(2026, 2, 14), date(2026, 2, 22))
    assert sorted(tet_2026) == [date(2026, 2, d) for d in range(16, 21)]
    tet_2027 = public_holidays(date(2027, 2, 1), date(2027, 2, 14))
    assert {date(2027, 2, d) for d in range(6, 11)} <= set(tet_2027)
    assert sorted(tet_2027) == [date(2027, 2, d) for d in range(4, 11)]
    assert "Tết" in tet_2027[date(2027, 2, 6)]
    assert date(2027, 1, 1) in public_holidays(date(2027, 1, 1), date(2027, 1, 1))


def test_weekends_are_not_working_days() -> None:
    days = working_days(MONDAY, MONDAY + timedelta(days=7))
    assert [d.weekday() for d in days] == [0, 1, 2, 3, 4, 0]


def test_a_commune_closed_for_a_day_is_visited_on_other_days_only() -> None:
    song_tri = site(1, SONG_TRI, *(overdue(9) for _ in range(3)))
    hai_ninh = site(2, HAI_NINH, *(overdue(9) for _ in range(3)))
    plan = plan_rounds(
        [song_tri, hai_ninh],
        [Inspector(7, "An", (SONG_TRI,)), Inspector(8, "Bình", (HAI_NINH,))],
        first=MONDAY,
        last=MONDAY + timedelta(days=1),
        capacity=2,
        closed={MONDAY: [SONG_TRI]},
    )
    assert [(v.day.day, v.site_id, v.instruments) for v in plan.visits] == [
        (1, 2, 2),
        (2, 1, 2),
        (2, 2, 1),
    ]


PATHS = (SONG_TRI, HAI_NINH, "42/18790/")


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[SiteLoad], list[Inspector], dict[date, list[str]]]:
    """Random sites in three communes, inspectors covering some of them, closed days."""
    sites = []
    for sid in range(1, draw(st.integers(1, 8)) + 1):
        loads = draw(
            st.lists(
                st.tuples(st.sampled_from(["failed", "due", "registered"]), st.integers(-60, 60)),
                min_size=1,
                max_size=12,
            )
        )
        items = [
            item(None if s == "registered" else MONDAY + timedelta(days=d), s) for s, d in loads
        ]
        sites.append(site(sid, draw(st.sampled_from(PATHS)), *items))
    inspectors = [
        Inspector(
            uid, f"KĐV {uid}", tuple(draw(st.sets(st.sampled_from((*PATHS, "42/")), min_size=1)))
        )
        for uid in range(1, draw(st.integers(1, 3)) + 1)
    ]
    closed = {
        MONDAY + timedelta(days=d): [draw(st.sampled_from((*PATHS, EVERYWHERE)))]
        for d in draw(st.sets(st.integers(0, 13), max_size=4))
    }
    return sites, inspectors, closed


@settings(max_examples=150, deadline=None)
@given(case=rounds(), capacity=st.integers(1, 6))
def test_plans_keep_every_rule(
    case: tuple[list[SiteLoad], list[Inspector], dict[date, list[str]]], capacity: int
) -> None:
    sites, inspectors, closed = case
    last = MONDAY + timedelta(days=13)
    plan = plan_rounds(sites, inspectors, first=MONDAY, last=last, capacity=capacity, closed=closed)
    by_id = {s.site_id: s for s in sites}
    communes: dict[tuple[date, int], set[int]] = defaultdict(set)
    load: dict[tuple[date, int], int] = defaultdict(int)
    seen: list[int] = []
    for v in plan.visits:
        where = by_id[v.site_id]
        assert v.day.weekday() < 5
        assert not any(where.unit_path.startswith(p) for p in closed.get(v.day, ()))
        assert next(i for i in inspectors if i.user_id == v.inspector_id).covers(where.unit_path)
        communes[(v.day, v.inspector_id)].add(where.unit_id)
        load[(v.day, v.inspector_id)] += v.instruments
        seen += v.instrument_ids
    assert all(len(c) == 1 for c in communes.values())
    assert all(n <= capacity for n in load.values())
    seen += [i for ids in plan.unplanned.values() for i in ids]
    assert sorted(seen) == sorted(i.instrument_id for s in sites for i in s.instruments)
