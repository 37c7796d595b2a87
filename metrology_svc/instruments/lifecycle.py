"""The one place that changes an instrument's status and due date, under the invariants.

- Only a verification moves the due date forward: a pass judged here, or a verification an
  office's list reports (recorded, not re-judged). A lost stamp moves it to today. A
  verification older than the latest one on record is history only: it moves nothing.
- Only a passing verification lifts failed or suspended (a person may reinstate a suspended
  instrument); a fail sets failed and keeps the due date; an incomplete verification changes
  nothing; a recorded one sets the status its due date implies unless failed or suspended.
- "Not to be used" (không được sử dụng: an inspection found no valid verification) is lifted
  by a verification only (passed or recorded), never by hand; a due date does not override it.
- A finding never softens a status: failed > suspended > not to be used > the others.
- Revoking a stamp (due now) never lifts failed or suspended; retired is final.
- An import never sets a due date or a status by itself: it records a verification.

Callers record the history event and the audit entry with the Outcome returned.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.rules import STICKY_STATUSES, status_for_due

Result = Literal["pass", "fail", "incomplete", "recorded"]

# How serious a finding's status is: a finding never moves an instrument down this order.
_SEVERITY = {
    InstrumentStatus.NOT_TO_BE_USED: 1,
    InstrumentStatus.SUSPENDED: 2,
    InstrumentStatus.FAILED: 3,
}


@dataclass(frozen=True, slots=True)
class Verified:
    """A verification of the instrument (latest_on: the latest other one on record)."""

    result: Result
    verified_on: date
    valid_until: date | None = None
    latest_on: date | None = None


@dataclass(frozen=True, slots=True)
class DueNow:
    """The instrument needs an (after-repair) verification now, e.g. its stamp was lost."""


@dataclass(frozen=True, slots=True)
class Manual:
    """A person suspends, retires or reinstates the instrument."""

    action: Literal["suspend", "retire", "reinstate"]


@dataclass(frozen=True, slots=True)
class Finding:
    """An inspection found the instrument failed or to be suspended."""

    status: InstrumentStatus


Change = Verified | DueNow | Manual | Finding


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change did: a name for the history, the status and due date before and after."""

    outcome: str
    status_before: InstrumentStatus
    status_after: InstrumentStatus
    due_before: date | None
    due_after: date | None

    @property
    def changed(self) -> bool:
        """Tell whether the status or the due date changed."""
        return (self.status_before, self.due_before) != (self.status_after, self.due_after)


def _verified(instrument: Instrument, change: Verified, today: date, soon: int) -> str:
    if change.result == "incomplete":
        return "incomplete_no_change"
    latest = max((d for d in (instrument.last_verified_on, change.latest_on) if d), default=None)
    # A recorded verification on the day of one already on record adds nothing to it.
    same_day = change.result == "recorded" and change.verified_on == latest
    if latest is not None and (change.verified_on < latest or same_day):
        return "history_only"
    if change.result == "fail":
        instrument.status = InstrumentStatus.FAILED
        return "marked_failed"
    assert change.valid_until is not None
    instrument.last_verified_on = change.verified_on
    instrument.due_date = change.valid_until
    due_status = status_for_due(due_date=change.valid_until, today=today, due_soon_days=soon)
    if change.result == "pass" or instrument.status not in STICKY_STATUSES:
        instrument.status = due_status
    return "due_date_moved"


def _manual(instrument: Instrument, change: Manual, today: date, soon: int) -> str:
    if change.action == "retire":
        instrument.status, instrument.retired_at = InstrumentStatus.RETIRED, utcnow()
    elif change.action == "suspend":
        instrument.status = InstrumentStatus.SUSPENDED
    elif instrument.status == InstrumentStatus.SUSPENDED:  # only a suspension is lifted by hand
        instrument.status = status_for_due(
            due_date=instrument.due_date, today=today, due_soon_days=soon
        )
    return change.action


def _apply(instrument: Instrument, change: Change, today: date, soon: int) -> str:
    if isinstance(change, Verified):
        return _verified(instrument, change, today, soon)
    if isinstance(change, Manual):
        return _manual(instrument, change, today, soon)
    if isinstance(change, DueNow):
        instrument.due_date = today
        if instrument.status not in STICKY_STATUSES:
            instrument.status = InstrumentStatus.DUE
        return "due_now"
    instrument.status = finding_status(InstrumentStatus(instrument.status), change.status)
    return "finding"


def finding_status(current: InstrumentStatus, target: InstrumentStatus) -> InstrumentStatus:
    """Return the status after a finding: retired stays retired, no status is ever softened
    (failed > suspended > not to be used)."""
    if current is InstrumentStatus.RETIRED:
        return current
    if _SEVERITY.get(current, 0) > _SEVERITY.get(target, 0):
        return current
    return target


def apply_change(
    instrument: Instrument, change: Change, *, today: date, due_soon_days: int
) -> Outcome:
    """Change the instrument's status and due date as the change allows; retired stays."""
    status, due = InstrumentStatus(instrument.status), instrument.due_date
    if status is InstrumentStatus.RETIRED:
        return Outcome("retired_no_change", status, status, due, due)
    name = _apply(instrument, change, today, due_soon_days)
    after = Outcome(name, status, InstrumentStatus(instrument.status), due, instrument.due_date)
    if after.changed:
        instrument.updated_at = utcnow()
    return after
