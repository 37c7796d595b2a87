"""The feed's position: Last-Event-ID parsing, and a merge that resumes where it stopped."""

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.readings.feed import Cursor, _merged, parse_cursor
from metrology_svc.readings.schemas import CheckPublic, InspectionRequestPublic

T0 = datetime(2026, 11, 22, 1, tzinfo=UTC)
IDS = st.integers(min_value=0, max_value=10**18 - 1)


@given(st.text(max_size=60) | st.from_regex(r"c[0-9]{1,20}\.r[0-9]{1,20}", fullmatch=True))
def test_any_text_is_a_position_it_spells_or_none(value: str) -> None:
    found = parse_cursor(value)
    if found is not None:
        assert 0 <= found.checks < 10**18
        assert 0 <= found.requests < 10**18
        assert parse_cursor(str(found)) == found
        assert str(found) == re.sub(r"(?<=[cr])0+(?=[0-9])", "", value)  # spelt without zeros


@given(IDS, IDS)
def test_every_position_reads_back(checks: int, requests: int) -> None:
    assert parse_cursor(str(Cursor(checks, requests))) == Cursor(checks, requests)


def test_other_digits_and_old_ids_are_no_position() -> None:
    for value in ["c\u0661.r0", "c\uff11.r0", "check-5", "c1.r1 ", None, "c" + "1" * 19 + ".r0"]:
        assert parse_cursor(value) is None, value


def _check(check_id: int, second: int) -> CheckPublic:
    at = T0 + timedelta(seconds=second)
    return CheckPublic(
        id=check_id, device_id="cs-1", measured_at=at, received_at=at, net_g=1000.0,
        stable=True, trusted=True, seller_ref_kind="stall", seller_ref="A-12", declared_g=1000.0,
        category=None, permitted_shortfall_g=None, missing_g=None, short=False,
    )  # fmt: skip


def _request(request_id: int, second: int) -> InspectionRequestPublic:
    return InspectionRequestPublic(
        id=request_id, instrument_id=1, site_id=1, seller_id=None, reason="3 thiếu / 3 short",
        evidence_ids=[], created_at=T0 + timedelta(seconds=second), status="open",
        notified_at=None, closed_at=None,
    )  # fmt: skip


SECONDS = st.lists(st.integers(min_value=0, max_value=20), max_size=15)


@given(SECONDS, SECONDS, st.data())
def test_a_merge_resumed_from_any_event_goes_on_exactly_as_before(
    check_seconds: list[int], request_seconds: list[int], data: st.DataObject
) -> None:
    # Ids ascend in each kind; the clock mostly does, but two writers may commit out of turn.
    checks = [_check(10 + i, s) for i, s in enumerate(check_seconds)]
    reqs = [_request(3 + i, s) for i, s in enumerate(request_seconds)]
    whole = list(_merged(checks, reqs, Cursor(9, 2)))
    assert sorted(d for _, _, d in whole) == sorted(
        [c.model_dump_json() for c in checks] + [r.model_dump_json() for r in reqs]
    )
    cut = data.draw(st.integers(min_value=0, max_value=len(whole)))
    at = whole[cut - 1][1] if cut else Cursor(9, 2)
    rest = list(
        _merged(
            [c for c in checks if c.id > at.checks], [r for r in reqs if r.id > at.requests], at
        )
    )
    assert whole[cut:] == rest


@given(SECONDS, SECONDS)
def test_a_merge_of_two_kinds_in_time_order_is_in_time_order(
    check_seconds: list[int], request_seconds: list[int]
) -> None:
    checks = [_check(10 + i, s) for i, s in enumerate(sorted(check_seconds))]
    reqs = [_request(3 + i, s) for i, s in enumerate(sorted(request_seconds))]
    at = {c.model_dump_json(): c.received_at for c in checks}
    at |= {r.model_dump_json(): r.created_at for r in reqs}
    times = [at[data] for _, _, data in _merged(checks, reqs, Cursor(9, 2))]
    assert times == sorted(times)
