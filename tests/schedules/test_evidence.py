"""Notices from the control-scale evidence: suspect sellers, silent and failing control scales."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from metrology_svc.notices.models import Notice
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.readings.models import Device, InspectionRequest
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument, notices_of

TODAY = date(2027, 3, 10)


def test_open_inspection_request_notifies_inspectors_once(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="S-1", due_date=TODAY + timedelta(days=200))
    asked = datetime(2027, 3, 9, 15, tzinfo=UTC)
    request = InspectionRequest(
        instrument_id=scale.id or 0,
        site_id=world.market_a,
        reason="3 shortfalls in 30 days",
        created_at=asked,
        open_key=scale.id,
    )
    db.add(request)
    db.commit()
    for day in (TODAY, TODAY + timedelta(days=1)):
        run_due_scan(db, now=FakeClock(day)(), settings=settings)
        db.commit()
    assert notices_of(db, scale) == [("suspect_seller", 0, asked.date())]
    db.refresh(request)
    assert request.status == "notified"
    notice = db.exec(select(Notice)).one()
    assert [d.destination for d in NoticeRepository(db).deliveries(notice.id or 0)] == [
        "inspector_a@tdc.example.vn"
    ]


def test_silent_and_failing_control_scales_give_one_notice_per_episode(
    db: Session, world: World, settings: Settings
) -> None:
    control = add_instrument(db, world, serial="CS-1", due_date=TODAY + timedelta(days=200))
    silent_since = datetime(2027, 3, 8, 22, tzinfo=UTC)
    device = Device(
        id="cs-ky-anh-1",
        instrument_id=control.id or 0,
        site_id=world.market_a,
        credential_hash="$7$x",
        last_received_at=silent_since,
        offline=True,
        untrusted_since=silent_since - timedelta(days=1),
    )
    db.add(device)
    db.commit()
    for day in (TODAY, TODAY + timedelta(days=1)):
        run_due_scan(db, now=FakeClock(day)(), settings=settings)
        db.commit()
    assert sorted(notices_of(db, control)) == [
        ("control_offline", 0, silent_since.date()),
        ("control_out_of_tolerance", 0, silent_since.date() - timedelta(days=1)),
    ]
    # To the market board (the owner's channels: here a letter) and to the office.
    notice = db.exec(select(Notice).where(Notice.kind == "control_offline")).one()
    channels = sorted(d.channel for d in NoticeRepository(db).deliveries(notice.id or 0))
    assert channels == ["email", "letter"]
