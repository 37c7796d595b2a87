"""The status invariants, one test each: only a verification moves the due date, only a pass
lifts a failure or a suspension, a lost stamp never lifts them, retired is final."""

import re
from datetime import date
from pathlib import Path

import pytest

import metrology_svc
from metrology_svc.instruments.lifecycle import (
    Change,
    DueNow,
    Finding,
    Manual,
    Verified,
    apply_change,
)
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.models import InstrumentStatus as S

TODAY = date(2026, 11, 22)
SOON = 30
STICKY = [S.FAILED, S.SUSPENDED, S.NOT_TO_BE_USED]


def _instrument(status: S = S.REGISTERED, due: date | None = None) -> Instrument:
    return Instrument(
        type_code="scale_spring_dial",
        serial="LX-1",
        manufacturer="Nhơn Hòa",
        owner_id=1,
        site_id=1,
        identity_key="k",
        loose_key="k",
        status=status,
        due_date=due,
        last_verified_on=None if due is None else date(2025, 1, 10),
    )


def _apply(instrument: Instrument, change: Change) -> str:
    return apply_change(instrument, change, today=TODAY, due_soon_days=SOON).outcome


def _pass(on: date = date(2026, 11, 2), until: date = date(2028, 11, 2)) -> Verified:
    return Verified("pass", on, until)


@pytest.mark.parametrize(
    "before", [S.REGISTERED, S.OVERDUE, S.FAILED, S.SUSPENDED, S.NOT_TO_BE_USED]
)
def test_a_pass_moves_the_due_date_and_puts_the_instrument_in_service(before: S) -> None:
    inst = _instrument(before, date(2025, 1, 1))
    assert _apply(inst, _pass()) == "due_date_moved"
    assert (inst.status, inst.due_date, inst.last_verified_on) == (
        S.IN_SERVICE,
        date(2028, 11, 2),
        date(2026, 11, 2),
    )


def test_a_verification_older_than_the_latest_on_record_moves_nothing() -> None:
    inst = _instrument(S.FAILED, date(2027, 1, 10))
    # A pass back-dated before a later fail does not lift it.
    back = Verified("pass", date(2026, 5, 1), date(2028, 5, 1), latest_on=date(2026, 6, 1))
    assert _apply(inst, back) == "history_only"
    assert (inst.status, inst.due_date) == (S.FAILED, date(2027, 1, 10))


def test_a_fail_marks_failed_and_keeps_the_due_date() -> None:
    inst = _instrument(S.IN_SERVICE, date(2027, 1, 10))
    assert _apply(inst, Verified("fail", date(2026, 11, 2))) == "marked_failed"
    assert (inst.status, inst.due_date) == (S.FAILED, date(2027, 1, 10))


@pytest.mark.parametrize("before", [S.REGISTERED, S.IN_SERVICE, S.OVERDUE, S.FAILED])
def test_an_incomplete_verification_changes_nothing(before: S) -> None:
    inst = _instrument(before, date(2025, 1, 1))
    outcome = apply_change(
        inst, Verified("incomplete", date(2026, 11, 2)), today=TODAY, due_soon_days=SOON
    )
    assert outcome.outcome == "incomplete_no_change"
    assert not outcome.changed
    assert (inst.status, inst.due_date) == (before, date(2025, 1, 1))


def test_a_recorded_verification_moves_the_due_date_and_sets_the_status_it_implies() -> None:
    inst = _instrument()
    recorded = Verified("recorded", date(2025, 12, 10), date(2026, 12, 10))
    assert _apply(inst, recorded) == "due_date_moved"
    assert (inst.status, inst.due_date) == (S.DUE, date(2026, 12, 10))


@pytest.mark.parametrize("before", STICKY)
def test_a_recorded_verification_never_lifts_failed_or_suspended(before: S) -> None:
    inst = _instrument(before, date(2025, 1, 1))
    _apply(inst, Verified("recorded", date(2026, 1, 5), date(2028, 1, 5)))
    assert (inst.status, inst.due_date) == (before, date(2028, 1, 5))


def test_a_recorded_verification_older_or_as_old_as_the_latest_moves_nothing() -> None:
    inst = _instrument(S.IN_SERVICE, date(2027, 1, 10))  # last verified 10/01/2025
    same_day = Verified("recorded", date(2025, 1, 10), date(2027, 1, 10))
    older = Verified("recorded", date(2024, 3, 1), date(2026, 3, 1))
    assert (_apply(inst, same_day), _apply(inst, older)) == ("history_only", "history_only")
    assert (inst.status, inst.due_date) == (S.IN_SERVICE, date(2027, 1, 10))


@pytest.mark.parametrize(
    ("before", "after"), [(S.IN_SERVICE, S.DUE), (S.FAILED, S.FAILED), (S.SUSPENDED, S.SUSPENDED)]
)
def test_a_lost_stamp_makes_due_today_and_never_lifts_failed_or_suspended(
    before: S, after: S
) -> None:
    inst = _instrument(before, date(2028, 1, 1))
    assert _apply(inst, DueNow()) == "due_now"
    assert (inst.status, inst.due_date) == (after, TODAY)


@pytest.mark.parametrize(
    "change",
    [
        _pass(),
        Verified("recorded", date(2026, 1, 5), date(2028, 1, 5)),
        DueNow(),
        Manual("suspend"),
    ],
)
def test_retired_is_final(change: Change) -> None:
    inst = _instrument(S.RETIRED, date(2025, 1, 1))
    outcome = apply_change(inst, change, today=TODAY, due_soon_days=SOON)
    assert (outcome.outcome, outcome.changed) == ("retired_no_change", False)
    assert (inst.status, inst.due_date) == (S.RETIRED, date(2025, 1, 1))


@pytest.mark.parametrize(("before", "after"), [(S.SUSPENDED, S.OVERDUE), (S.FAILED, S.FAILED)])
def test_a_person_lifts_a_suspension_but_not_a_failure(before: S, after: S) -> None:
    inst = _instrument(before, date(2025, 1, 1))
    _apply(inst, Manual("reinstate"))
    assert inst.status == after


@pytest.mark.parametrize(
    ("before", "finding", "after"),
    [
        (S.IN_SERVICE, S.SUSPENDED, S.SUSPENDED),
        (S.FAILED, S.SUSPENDED, S.FAILED),
        (S.SUSPENDED, S.FAILED, S.FAILED),
    ],
)
def test_a_finding_never_softens_a_failure(before: S, finding: S, after: S) -> None:
    inst = _instrument(before, date(2027, 1, 1))
    _apply(inst, Finding(finding))
    assert (inst.status, inst.due_date) == (after, date(2027, 1, 1))


ASSIGNS = re.compile(r"\b\w*inst\w*\.(status|due_date|last_verified_on)\b(\s*,\s*[\w.]+)*\s*=(?!=)")


def test_only_the_lifecycle_assigns_an_instrument_status_or_due_date() -> None:
    root = Path(metrology_svc.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "lifecycle.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ASSIGNS.search(line)
    ]
    assert found == []
