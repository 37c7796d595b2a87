"""Code schemes (editions of the national list): which one is in force on a day."""

from datetime import date

from sqlmodel import Session

from metrology_svc.core.clock import today
from metrology_svc.core.errors import Invalid
from metrology_svc.units.models import UnitScheme
from metrology_svc.units.repository import UnitRepository

TWO_TIER_SCHEME = "2025"
THREE_TIER_SCHEME = "2004"


def scheme_on(session: Session, day: date) -> UnitScheme:
    """Return the code scheme in force on a day."""
    for scheme in reversed(UnitRepository(session).schemes()):
        if (scheme.valid_from is None or scheme.valid_from <= day) and (
            scheme.valid_to is None or day < scheme.valid_to
        ):
            return scheme
    raise LookupError(f"no unit scheme is in force on {day.isoformat()}")


def current_scheme(session: Session) -> UnitScheme:
    """Return the code scheme in force today."""
    return scheme_on(session, today())


def scheme_by_key(session: Session, key: str | None) -> UnitScheme:
    """Return a scheme by key (None: the one in force), or refuse an unknown key."""
    if key is None:
        return current_scheme(session)
    scheme = UnitRepository(session).scheme(key)
    if scheme is None:
        raise Invalid(
            f"Unknown unit code scheme {key!r}.",
            message_vi=f"Không có danh mục mã đơn vị hành chính {key!r}.",
            loc=["body", "scheme"],
        )
    return scheme
