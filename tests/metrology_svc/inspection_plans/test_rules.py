"""Pure plan rules: months, windows, scope by path, overlap, the number line."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.inspection_plans import rules

paths = st.lists(st.sampled_from(["42/", "42/18754/", "42/18781/", "01/", "01/00004/"]), max_size=4)


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_a_month_window_is_the_whole_month(year: int, month: int) -> None:
    first, last = rules.month_window(year, month)
    assert (first.year, first.month, first.day) == (year, month, 1)
    assert (last + timedelta(days=1)).day == 1
    assert last.month == month
    assert rules.inside((first, last), rules.year_period(year))
    assert rules.window_text(first, last) == f"Tháng {month}/{year}"


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 400), st.integers(0, 400))
def test_inside_means_both_ends_within(start: date, a: int, b: int) -> None:
    period = (start, start + timedelta(days=400))
    window = (start + timedelta(days=min(a, b)), start + timedelta(days=max(a, b)))
    assert rules.inside(window, period)
    assert not rules.inside((start - timedelta(days=1), window[1]), period)
    assert not rules.inside((window[0], period[1] + timedelta(days=1)), period)


@given(paths, paths)
def test_overlap_is_symmetric_and_follows_containment(plan: list[str], user: list[str]) -> None:
    assert rules.overlaps(plan, user) == rules.overlaps(user, plan)
    expected = any(p.startswith(u) or u.startswith(p) for p in plan for u in user)
    assert rules.overlaps(plan, user) == expected


def test_scope_and_overlap_by_path() -> None:
    assert rules.under("42/18754/", ["42/"])  # a commune inside a province plan
    assert not rules.under("42/18781/", ["42/18754/"])
    assert not rules.under("421/", ["42/"])
    assert rules.overlaps(["42/"], ["42/18754/"])  # a commune inspector reads a province plan
    assert rules.overlaps(["42/18754/"], ["42/"])
    assert not rules.overlaps(["42/18754/"], ["42/18781/"])


def test_number_line_and_period() -> None:
    assert rules.number_line(5, "SKHCN") == "Số: 05/KH-SKHCN"
    assert rules.number_line(12, "UBND") == "Số: 12/KH-UBND"
    assert rules.number_line(None, "SKHCN").startswith("Số: ")
    assert rules.number_line(None, "SKHCN").endswith("/KH-SKHCN")
    assert rules.period_problem(date(2027, 1, 1), date(2027, 12, 31)) is None
    assert rules.period_problem(date(2027, 2, 1), date(2027, 1, 1)) is not None
    assert rules.period_problem(date(2021, 1, 1), date(2025, 12, 31)) is None
    assert rules.period_problem(date(2021, 1, 1), date(2026, 1, 1)) is not None
    assert rules.default_subject(date(2027, 1, 1), date(2027, 12, 31)) == (
        "Kiểm tra nhà nước về đo lường năm 2027"
    )
    assert rules.default_subject(date(2026, 1, 1), date(2027, 12, 31)).endswith("2026 - 2027")
    assert rules.window_text(date(2027, 3, 5), date(2027, 3, 20)) == "05/03/2027 - 20/03/2027"
    assert rules.window_text(date(2027, 3, 5), date(2027, 3, 5)) == "05/03/2027"
