"""The one definition of an instrument's state on a day, shared by the report and the dashboard.

Every figure that says "overdue" (quá hạn kiểm định) comes from `state_on`, so the yearly report
and the dashboard agree for the same unit and day. The states are exclusive: an instrument that
failed its verification (không đạt) or is suspended (đình chỉ) is counted there, never also as
overdue or never verified.

- On the current day the stored status is the state for the statuses the daily scan keeps
  (registered, in service, due, overdue) and for the ones a person or a verification sets
  (failed, suspended, retired). Any other status (one added later, e.g. "not to be used until
  verified") is judged by its due date, as the daily scan would.
- On a past day nothing but the records tells the state: failed if the last verification on
  or before the day failed; otherwise by the due date the instrument had then (`due_on`).
  Suspensions are not dated in the records, so a past day has none.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, case, cast, or_
from sqlalchemy import select as sa_select
from sqlmodel import col

from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.verifications.models import Verification, VerificationResult

IN_SERVICE, DUE, OVERDUE = "in_service", "due", "overdue"
NEVER, FAILED, SUSPENDED, RETIRED = "registered", "failed", "suspended", "retired"
# The stored statuses taken as they are on the current day (the dashboard's own keys).
KEPT = (
    InstrumentStatus.REGISTERED.value,
    InstrumentStatus.IN_SERVICE.value,
    InstrumentStatus.DUE.value,
    InstrumentStatus.OVERDUE.value,
    InstrumentStatus.FAILED.value,
    InstrumentStatus.SUSPENDED.value,
    InstrumentStatus.RETIRED.value,
)
# The report's columns of instruments in use, one state each (in this order).
DUE_COLUMNS = (IN_SERVICE, DUE, OVERDUE, NEVER, FAILED, SUSPENDED)
# Results that set a due date: a pass judged here, or a verification an office's list reports.
DATING_RESULTS = [VerificationResult.PASS.value, VerificationResult.RECORDED.value]


def due_on(as_of: date) -> Any:
    """Return the due date an instrument had on a day, as one SQL expression.

    When nothing has moved the due date since (last verification on or before the day), it is
    the stored one; otherwise it is the valid-until of the last pass (or recorded verification)
    on or before the day (NULL if there was none: not yet verified then).
    """
    last_pass = (
        sa_select(col(Verification.valid_until))
        .where(col(Verification.instrument_id) == Instrument.id)
        .where(col(Verification.result).in_(DATING_RESULTS))
        .where(col(Verification.verified_on) <= as_of)
        .order_by(col(Verification.verified_on).desc(), col(Verification.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    unchanged = or_(
        col(Instrument.last_verified_on).is_(None), col(Instrument.last_verified_on) <= as_of
    )
    return case((unchanged, col(Instrument.due_date)), else_=last_pass)


# Results that set a due date: a pass judged here, or a verification an office's list reports.
DATING_RESULTS = [VerificationResult.PASS.value, VerificationResult.RECORDED.value]


def _by_date(due: Any, as_of: date, due_soon_days: int) -> list[tuple[Any, str]]:
    soon = as_of + timedelta(days=due_soon_days)
    return [(due.is_(None), NEVER), (due < as_of, OVERDUE), (due <= soon, DUE)]


def _failed_then(as_of: date) -> Any:
    """Return "the last verification on or before the day failed", as one SQL condition."""
    last = (
        sa_select(col(Verification.result))
        .where(col(Verification.instrument_id) == Instrument.id)
        .where(col(Verification.verified_on) <= as_of)
        .order_by(col(Verification.verified_on).desc(), col(Verification.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    return last == VerificationResult.FAIL.value


def state_on(as_of: date, *, current: bool, due_soon_days: int) -> Any:
    """Return an instrument's state on a day as one SQL expression (Instrument in FROM):
    in_service, due, overdue, registered (never verified), failed, suspended or retired.

    `current`: the day is today (the stored status counts); else a past day (records only).
    """
    status = cast(col(Instrument.status), String)
    if current:
        return case(
            (status.in_(KEPT), status),
            *_by_date(col(Instrument.due_date), as_of, due_soon_days),
            else_=IN_SERVICE,
        )
    return case(
        (_failed_then(as_of), FAILED),
        *_by_date(due_on(as_of), as_of, due_soon_days),
        else_=IN_SERVICE,
    )
