"""Pure rules about instruments: identity and the status a due date implies."""

import unicodedata
from datetime import date, timedelta

from metrology_svc.instruments.models import InstrumentStatus

# Statuses that a due date does not override: they need a person or a verification to change.
STICKY_STATUSES = frozenset(
    {InstrumentStatus.FAILED, InstrumentStatus.SUSPENDED, InstrumentStatus.RETIRED}
)

# What describes an instrument besides its identity (type, manufacturer, serial) and its place:
# the fields a form edits and an imported row may give, in the order forms show them.
DESCRIPTION_FIELDS = (
    "model",
    "type_approval_no",
    "accuracy_class",
    "manufactured_year",
    "max_g",
    "e_g",
    "d_g",
    "qmin_lpm",
    "qmax_lpm",
    "nozzles",
    "mmq_l",
    "seal_number",
)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def identity_key(*, type_code: str, manufacturer: str, serial: str) -> str:
    """Return the unique identity of an instrument: type + manufacturer + serial, normalised."""
    return f"{type_code}|{_norm(manufacturer)}|{_norm(serial)}"


def status_for_due(*, due_date: date | None, today: date, due_soon_days: int) -> InstrumentStatus:
    """Return the status an instrument in service has, given its due date."""
    if due_date is None:
        return InstrumentStatus.REGISTERED
    if due_date < today:
        return InstrumentStatus.OVERDUE
    if due_date <= today + timedelta(days=due_soon_days):
        return InstrumentStatus.DUE
    return InstrumentStatus.IN_SERVICE
