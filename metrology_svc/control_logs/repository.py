"""Queries of the control-scale log: boards' markets, control scales, entries and their readings."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from metrology_svc.auth.models import Role, User, UserSite
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.instruments.models import Instrument, InstrumentRole, InstrumentStatus
from metrology_svc.readings.models import Reading
from metrology_svc.sites.models import Site


class ControlLogRepository:
    """Reads and writes log entries and the links of market boards to their markets."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def board_site_ids(self, user_id: int) -> list[int]:
        """Return the ids of the markets a board account keeps the log of."""
        stmt = select(UserSite.site_id).where(UserSite.user_id == user_id)
        return sorted(self.session.exec(stmt))

    def board_sites(self, user_id: int) -> list[Site]:
        """Return the markets a board account keeps the log of, by name."""
        stmt = (
            select(Site)
            .join(UserSite, col(UserSite.site_id) == Site.id)
            .where(UserSite.user_id == user_id)
            .order_by(col(Site.name))
        )
        return list(self.session.exec(stmt))

    def user(self, user_id: int) -> User | None:
        """Return a user."""
        return self.session.get(User, user_id)

    def link(self, user_id: int, site_id: int) -> UserSite | None:
        """Return the link of a board to a market, if any."""
        return self.session.get(UserSite, (user_id, site_id))

    def add(self, obj: UserSite | ControlLogEntry) -> None:
        """Stage a new row."""
        self.session.add(obj)

    def remove(self, obj: UserSite) -> None:
        """Stage a row's deletion."""
        self.session.delete(obj)

    def control_scales(self, site_id: int) -> list[Instrument]:
        """Return a market's control scales in use (role control, not retired), by serial."""
        stmt = select(Instrument).where(
            Instrument.site_id == site_id,
            Instrument.role == InstrumentRole.CONTROL,
            Instrument.status != InstrumentStatus.RETIRED,
        )
        return list(self.session.exec(stmt.order_by(col(Instrument.serial))))

    def known_identities(self, identities: Sequence[str]) -> set[str]:
        """Return those of the identities already stored."""
        if not identities:
            return set()
        stmt = select(ControlLogEntry.identity).where(
            col(ControlLogEntry.identity).in_(list(identities))
        )
        return set(self.session.exec(stmt))

    def reading(self, device_id: str, boot: str, seq: int) -> Reading | None:
        """Return the reading stored under a message key."""
        stmt = select(Reading).where(
            Reading.device_id == device_id, Reading.boot == boot, Reading.seq == seq
        )
        return self.session.exec(stmt).first()

    def entries(self, site_id: int, *, limit: int) -> list[tuple[ControlLogEntry, Reading | None]]:
        """Return a market's newest log entries with their readings, newest first."""
        stmt = (
            select(ControlLogEntry, Reading)
            .join(Reading, col(Reading.id) == ControlLogEntry.reading_id, isouter=True)
            .where(ControlLogEntry.site_id == site_id)
            .order_by(col(ControlLogEntry.measured_at).desc(), col(ControlLogEntry.id).desc())
            .limit(limit)
        )
        return [(e, r) for e, r in self.session.exec(stmt)]


def is_board(user: User) -> bool:
    """Tell whether an account is a market board's."""
    return user.role == Role.MARKET_BOARD
