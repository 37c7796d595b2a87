"""The liveness pass: offline and out-of-tolerance alerts within minutes, once per episode."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Connection
from sqlmodel import Session, col, func, select

from devices.registry import add_device
from devices.store import store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import InstrumentEvent
from metrology_svc.notices.models import Notice, NoticeDelivery
from metrology_svc.readings.models import Device
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from schedules.jobs import liveness_job
from tests.devices.ingest.support import T0, Market, make_market
from tests.devices.test_store import _msg, _selfcheck
from tests.metrology_svc.readings.support import binding_rules
from tests.schedules.support import FakeClock, count


@pytest.fixture
def market(db: Session) -> Market:
    found = make_market(db)
    db.commit()
    return found


@pytest.fixture
def sessions(connection: Connection) -> Callable[[], Session]:
    """Sessions for the job, inside the test's transaction (each commit is a savepoint)."""
    return lambda: Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def clock() -> FakeClock:
    """A clock at the real present: the ingest stamps arrivals with the real time."""
    found = FakeClock(utcnow().date())
    found.now = utcnow()
    return found


def _notices(db: Session, market: Market) -> list[tuple[str, object]]:
    stmt = select(Notice).where(Notice.instrument_id == market.control_id)
    return sorted((str(n.kind), n.due_date) for n in db.exec(stmt.order_by(col(Notice.id))))


def _offline_events(db: Session, market: Market) -> int:
    stmt = select(func.count()).where(
        InstrumentEvent.instrument_id == market.control_id,
        InstrumentEvent.kind == "device_offline",
    )
    return int(db.exec(stmt).one())


def test_a_silent_scale_is_offline_and_notified_after_one_pass_past_the_limit(
    db: Session,
    market: Market,
    sessions: Callable[[], Session],
    clock: FakeClock,
    settings: Settings,
) -> None:
    heard = clock.now - timedelta(minutes=settings.device_offline_minutes - 3)
    device = db.get(Device, market.device_id)
    assert device is not None
    device.last_received_at = heard
    db.commit()
    quiet = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert (quiet.offline, quiet.notices) == ([], 0)  # 12 minutes silent: not yet
    assert _notices(db, market) == []

    clock.advance(minutes=settings.liveness_interval_minutes * 2)  # 16 minutes silent
    found = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert found.offline == [market.device_id]
    assert _notices(db, market) == [("control_offline", heard.date())]
    assert found.deliveries > 0  # queued for the dispatch job, which sends them
    db.refresh(device)
    assert device.offline is True

    notices, deliveries = count(db, Notice), count(db, NoticeDelivery)
    clock.advance(minutes=settings.liveness_interval_minutes)
    again = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert again.as_dict() == {"offline": 0, "notices": 0, "deliveries": 0, "ingest_silent": 0}
    run_due_scan(db, now=clock(), settings=settings)  # the daily scan adds no second notice
    db.commit()
    assert (count(db, Notice), count(db, NoticeDelivery)) == (notices, deliveries)
    assert _offline_events(db, market) == 1


def test_a_failed_selfcheck_is_notified_by_the_next_pass_once(
    db: Session,
    market: Market,
    sessions: Callable[[], Session],
    clock: FakeClock,
    settings: Settings,
) -> None:
    rules = binding_rules(db)
    store_batch(db, [_msg(market.device_id, "selfcheck", _selfcheck(20, mass=2030))], rules)
    db.commit()
    assert _notices(db, market) == []
    found = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert found.offline == []
    assert _notices(db, market) == [("control_out_of_tolerance", T0.date())]
    clock.advance(minutes=settings.liveness_interval_minutes)
    assert liveness_job(sessions=sessions, settings=settings, clock=clock).notices == 0
    assert len(_notices(db, market)) == 1


def test_a_scale_read_by_two_devices_gets_one_notice_per_episode(
    db: Session,
    market: Market,
    sessions: Callable[[], Session],
    clock: FakeClock,
    settings: Settings,
) -> None:
    second = add_device(db, instrument_id=market.control_id, device_id="cs-test-02").device
    db.commit()
    rules = binding_rules(db)
    # Each device fails a self-check, a day apart; then both fall silent: the first days ago
    # (already marked offline), the second now.
    store_batch(db, [_msg(market.device_id, "selfcheck", _selfcheck(20, mass=2030))], rules)
    store_batch(db, [_msg(second.id, "selfcheck", _selfcheck(21, mass=2030, day=1))], rules)
    first = db.get(Device, market.device_id)
    assert first is not None
    first.last_received_at, first.offline = clock.now - timedelta(days=3), True
    second.last_received_at = clock.now - timedelta(minutes=settings.device_offline_minutes + 1)
    db.add_all([first, second])
    db.commit()
    found = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert found.offline == [second.id]
    assert _notices(db, market) == [
        ("control_offline", (clock.now - timedelta(days=3)).date()),  # the scale's episode
        ("control_out_of_tolerance", T0.date()),  # began with the first device's failure
    ]
    assert liveness_job(sessions=sessions, settings=settings, clock=clock).notices == 0


def test_when_every_device_falls_silent_at_once_the_ingest_is_suspected_not_the_scales(
    db: Session,
    market: Market,
    sessions: Callable[[], Session],
    clock: FakeClock,
    settings: Settings,
) -> None:
    other = add_device(db, instrument_id=market.control_id, device_id="cs-test-02").device.id
    long_ago = clock.now - timedelta(minutes=settings.device_offline_minutes + 30)
    for device_id in (market.device_id, other):
        device = db.get(Device, device_id)
        assert device is not None
        device.last_received_at = long_ago
    db.commit()
    found = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert found.ingest_silent is True
    assert (found.offline, found.notices) == ([], 0)  # no market board alerted for the ingest

    back = db.get(Device, other)  # the ingest is back: one device is heard again, not the other
    assert back is not None
    back.last_received_at = clock.now
    db.commit()
    clock.advance(minutes=settings.liveness_interval_minutes)
    found = liveness_job(sessions=sessions, settings=settings, clock=clock)
    assert (found.ingest_silent, found.offline) == (False, [market.device_id])
    assert _notices(db, market) == [("control_offline", long_ago.date())]
