"""Helpers for schedule tests: an injectable clock and instruments with a given due date."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, func, select

from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.rules import identity_key
from metrology_svc.notices.models import Notice, NoticeDelivery
from tests.factories import World


class FakeClock:
    """A clock the test moves; jobs call it like core.clock.utcnow."""

    def __init__(self, day: date, hour: int = 1) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)

    def set_day(self, day: date) -> None:
        """Jump to 01:00 UTC of a day."""
        self.now = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


def add_instrument(
    db: Session,
    w: World,
    *,
    serial: str,
    due_date: date | None,
    status: InstrumentStatus = InstrumentStatus.IN_SERVICE,
    owner_id: int | None = None,
    site_id: int | None = None,
) -> Instrument:
    """Store a spring dial scale with a due date (flushed, not committed)."""
    instrument = Instrument(
        identity_key=identity_key(
            type_code="scale_spring_dial", manufacturer="Nhơn Hòa", serial=serial
        ),
        loose_key=loose_identity("scale_spring_dial", "Nhơn Hòa", serial),
        type_code="scale_spring_dial",
        serial=serial,
        manufacturer="Nhơn Hòa",
        model="NHS-15",
        owner_id=owner_id or w.owner_vi,
        site_id=site_id or w.market_a,
        status=status,
        due_date=due_date,
    )
    db.add(instrument)
    db.flush()
    return instrument


def notices_of(db: Session, instrument: Instrument) -> list[tuple[str, int, date]]:
    """Return (kind, offset, due date) of an instrument's notices, oldest first."""
    stmt = select(Notice).where(Notice.instrument_id == instrument.id).order_by(col(Notice.id))
    return [(str(n.kind), n.offset_days, n.due_date) for n in db.exec(stmt)]


def count(db: Session, model: type[Notice] | type[NoticeDelivery]) -> int:
    """Return how many rows a table holds."""
    return int(db.exec(select(func.count()).select_from(model)).one())
