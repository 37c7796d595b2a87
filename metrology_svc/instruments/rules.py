"""Pure rules about instruments: identity and the status a due date implies."""

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.rulebook.rules import num

# Statuses that a due date does not override: they need a person or a verification to change.
# A due date never moves these: an instrument found in use without a valid stamp stays "not to
# be used" (không được sử dụng) until a verification passes, like a failed or suspended one.
STICKY_STATUSES = frozenset(
    {
        InstrumentStatus.FAILED,
        InstrumentStatus.SUSPENDED,
        InstrumentStatus.RETIRED,
        InstrumentStatus.NOT_TO_BE_USED,
    }
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


@dataclass(frozen=True, slots=True)
class Implausible:
    """A characteristic contradicting another: the field to correct and why (en, vi)."""

    field: str
    en: str
    vi: str


def _num(value: float) -> str:
    return num(Decimal(repr(value)))


def implausible(
    *,
    max_g: float | None,
    e_g: float | None,
    d_g: float | None,
    qmin_lpm: float | None = None,
    qmax_lpm: float | None = None,
) -> list[Implausible]:
    """Return the characteristics that cannot be true together: e ≤ Max, d ≤ e, Qmin ≤ Qmax."""
    out = []
    if e_g is not None and max_g is not None and e_g > max_g:
        out.append(
            Implausible(
                "e_g",
                f"e = {_num(e_g)} g is above Max = {_num(max_g)} g: a scale has e ≤ Max "
                "(OIML R 76-1).",
                f"e = {_num(e_g)} g lớn hơn Max = {_num(max_g)} g: cân phải có e ≤ Max "
                "(OIML R 76-1).",
            )
        )
    if d_g is not None and e_g is not None and d_g > e_g:
        out.append(
            Implausible(
                "d_g",
                f"d = {_num(d_g)} g is above e = {_num(e_g)} g: a scale has d ≤ e (OIML R 76-1).",
                f"d = {_num(d_g)} g lớn hơn e = {_num(e_g)} g: cân phải có d ≤ e (OIML R 76-1).",
            )
        )
    if qmin_lpm is not None and qmax_lpm is not None and qmin_lpm > qmax_lpm:
        out.append(
            Implausible(
                "qmin_lpm",
                f"Qmin = {_num(qmin_lpm)} L/min is above Qmax = {_num(qmax_lpm)} L/min.",
                f"Qmin = {_num(qmin_lpm)} L/phút lớn hơn Qmax = {_num(qmax_lpm)} L/phút.",
            )
        )
    return out
