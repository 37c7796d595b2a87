"""The due scan with an injected clock: statuses move, and each notice appears exactly once."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.notices.models import Channel, Notice, NoticeDelivery, NoticeKind
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings
from metrology_svc.verifications.models import Verification, VerificationKind, VerificationResult
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument, count, notices_of

DUE = date(2027, 3, 31)


def scan(db: Session, clock: FakeClock, settings: Settings) -> None:
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()


def test_time_moves_and_each_notice_appears_once(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="T-1", due_date=DUE)
    clock = FakeClock(DUE - timedelta(days=40))
    expected: list[tuple[str, int, date]] = []
    for days_before, new in [
        (40, None),
        (30, ("due_soon", 30)),
        (30, None),  # the same day again
        (20, None),
        (7, ("due_soon", 7)),
        (3, None),
        (0, ("due_soon", 0)),
        (-1, ("overdue_recall", 0)),
        (-2, None),
    ]:
        clock.set_day(DUE - timedelta(days=days_before))
        scan(db, clock, settings)
        if new is not None:
            expected.append((new[0], new[1], DUE))
        assert notices_of(db, scale) == expected, f"{days_before} days before the due date"
    db.refresh(scale)
    assert scale.status == InstrumentStatus.OVERDUE


def test_a_late_scan_sends_only_the_most_urgent_reminder(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="T-2", due_date=DUE)
    scan(db, FakeClock(DUE - timedelta(days=5)), settings)
    assert notices_of(db, scale) == [("due_soon", 7, DUE)]


def test_offsets_are_settings(db: Session, world: World, settings: Settings) -> None:
    settings = settings.model_copy(update={"notice_offsets_days": [14]})
    scale = add_instrument(db, world, serial="T-3", due_date=DUE)
    scan(db, FakeClock(DUE - timedelta(days=20)), settings)
    scan(db, FakeClock(DUE - timedelta(days=10)), settings)
    assert notices_of(db, scale) == [("due_soon", 14, DUE)]


def test_sticky_statuses_get_no_reminder(db: Session, world: World, settings: Settings) -> None:
    retired = add_instrument(db, world, serial="T-4", due_date=DUE, status=InstrumentStatus.RETIRED)
    scan(db, FakeClock(DUE + timedelta(days=3)), settings)
    assert notices_of(db, retired) == []


def test_a_scan_leaves_an_instrument_not_to_be_used_as_it_is(
    db: Session, world: World, settings: Settings
) -> None:
    # Found in use without a valid stamp: not to be used until verified, whatever its due date.
    held = add_instrument(
        db, world, serial="T-4b", due_date=DUE, status=InstrumentStatus.NOT_TO_BE_USED
    )
    for day in (DUE - timedelta(days=60), DUE - timedelta(days=5), DUE + timedelta(days=3)):
        scan(db, FakeClock(day), settings)
        db.refresh(held)
        assert held.status is InstrumentStatus.NOT_TO_BE_USED


def test_owner_channels_default_to_email_or_letter(
    db: Session, world: World, settings: Settings
) -> None:
    # owner_vi has no e-mail: a printed letter; owner_en has one: an e-mail.
    hoa = add_instrument(db, world, serial="T-5", due_date=DUE, owner_id=world.owner_vi)
    petro = add_instrument(db, world, serial="T-6", due_date=DUE, owner_id=world.owner_en)
    scan(db, FakeClock(DUE + timedelta(days=1)), settings)
    channels = {}
    for scale in (hoa, petro):
        notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
        assert notice.kind == NoticeKind.OVERDUE_RECALL
        rows = NoticeRepository(db).deliveries(notice.id or 0)
        channels[scale.serial] = [(d.channel, d.destination, d.attempt) for d in rows]
    assert channels["T-5"] == [(Channel.LETTER, f"TB-TH-{hoa.id}-20270331-0", 1)]
    assert channels["T-6"] == [(Channel.EMAIL, "ops@example.com", 1)]


def test_failed_verification_goes_to_the_officers_of_the_commune(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="T-7", due_date=DUE, status=InstrumentStatus.FAILED)
    failed_on = DUE - timedelta(days=100)
    db.add(
        Verification(
            instrument_id=scale.id or 0,
            kind=VerificationKind.PERIODIC,
            verified_on=failed_on,
            verifier="KĐV Trần Văn Nam",
            procedure="ĐLVN 30:2019",
            result=VerificationResult.FAIL,
        )
    )
    db.flush()
    scan(db, FakeClock(failed_on + timedelta(days=1)), settings)
    scan(db, FakeClock(failed_on + timedelta(days=2)), settings)
    assert notices_of(db, scale) == [("failed_verification", 0, failed_on)]
    notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
    destinations = [d.destination for d in NoticeRepository(db).deliveries(notice.id or 0)]
    # The owner (no e-mail: a printed letter), and inspector_a, who covers commune 18754
    # where the market lies; inspector_b does not.
    assert sorted(destinations) == sorted([notice.number, "inspector_a@tdc.example.vn"])


def test_an_unacknowledged_recall_escalates_once(
    db: Session, world: World, settings: Settings
) -> None:
    ignored = add_instrument(db, world, serial="T-8", due_date=DUE)
    answered = add_instrument(db, world, serial="T-9", due_date=DUE)
    clock = FakeClock(DUE + timedelta(days=1))
    scan(db, clock, settings)
    recall = db.exec(select(Notice).where(Notice.instrument_id == answered.id)).one()
    recall.acknowledged_at = clock()
    db.add(recall)
    db.commit()
    for days in (settings.notice_escalate_after_days, settings.notice_escalate_after_days + 3):
        clock.set_day(DUE + timedelta(days=1 + days))
        scan(db, clock, settings)
    assert notices_of(db, ignored) == [("overdue_recall", 0, DUE), ("recall_escalation", 0, DUE)]
    assert notices_of(db, answered) == [("overdue_recall", 0, DUE)]
    first = db.exec(select(Notice).where(Notice.instrument_id == ignored.id)).first()
    assert first is not None
    db.refresh(first)
    assert first.escalated_at is not None


class Crash(Exception):
    """Stands for the process dying in the middle of a scan."""


def test_a_crash_mid_scan_loses_nothing_and_duplicates_nothing(
    db: Session, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    scales = [add_instrument(db, world, serial=f"C-{i}", due_date=DUE) for i in range(3)]
    db.commit()
    clock = FakeClock(DUE + timedelta(days=1))

    def crash(*_args: object, **_kwargs: object) -> int:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(NoticeRepository, "queue_owner_deliveries", crash)
        with pytest.raises(Crash):
            run_due_scan(db, now=clock(), settings=settings)
        db.rollback()
    assert count(db, Notice) == 0
    clock.advance(minutes=5)
    scan(db, clock, settings)
    scan(db, clock, settings)
    assert count(db, Notice) == 3
    assert count(db, NoticeDelivery) == 3
    ids = db.exec(select(col(NoticeDelivery.notice_id))).all()
    assert len(set(ids)) == 3
    assert {n.instrument_id for n in db.exec(select(Notice))} == {s.id for s in scales}
