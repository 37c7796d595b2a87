"""Nobody forgotten: a notice nobody is set up to receive goes to the office and is flagged;
recipients set up later receive the open notices; failed verifications reach the owner."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlmodel import Session, col, func, select

from metrology_svc.auth.models import Role
from metrology_svc.auth.service import create_user
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticeDelivery, NoticeKind, NoticePreference
from metrology_svc.notices.repository import NoticeRepository, without_recipient
from metrology_svc.notices.schemas import PreferenceIn
from metrology_svc.notices.service import render, set_preference
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import ADMIN, World
from tests.metrology_svc.notices.test_recipients import failed_scale, site_in
from tests.metrology_svc.web.conftest import login
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)
OFFICE = "tdc-hatinh@example.vn"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The test settings with the office's fallback address set."""
    return Settings(
        data_dir=tmp_path,
        stamp_key_dir=tmp_path / "keys",
        stamp_scan_flush_seconds=0,
        notice_office_email=OFFICE,
    )


def sent_to(db: Session, scale: Instrument, kind: NoticeKind) -> list[tuple[str, str]]:
    """Return (channel, destination) of the first attempts of the scale's notice of a kind."""
    notice = db.exec(
        select(Notice).where(Notice.instrument_id == scale.id, Notice.kind == kind)
    ).one()
    rows = NoticeRepository(db).deliveries(notice.id or 0)
    return sorted((str(d.channel), d.destination) for d in rows if d.attempt == 1)


def flagged(db: Session, settings: Settings) -> set[int]:
    """Return the ids of the notices that reach only the office."""
    stmt = select(Notice.id).where(without_recipient(office_email=settings.notice_office_email))
    return {int(i or 0) for i in db.exec(stmt)}


def escalate(db: Session, settings: Settings, scale: Instrument) -> FakeClock:
    """Let the scale's recall go unacknowledged until it escalates (two scans)."""
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    clock.set_day(DUE + timedelta(days=1 + settings.notice_escalate_after_days))
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()
    return clock


def test_an_escalation_nobody_covers_goes_to_the_office_flagged_and_counted(
    db: Session, world: World, settings: Settings
) -> None:
    lone = site_in(db, "18073", "Chợ Thành Sen")  # no officer here nor over the province
    scale = add_instrument(db, world, serial="F-1", due_date=DUE, site_id=lone)
    covered = add_instrument(db, world, serial="F-2", due_date=DUE)  # Sông Trí: inspector_a
    clock = escalate(db, settings, scale)
    kind = NoticeKind.RECALL_ESCALATION
    assert sent_to(db, scale, kind) == [("email", OFFICE)]
    assert sent_to(db, covered, kind) == [("email", "inspector_a@tdc.example.vn")]
    lonely = db.exec(select(Notice).where(Notice.instrument_id == scale.id, Notice.kind == kind))
    assert flagged(db, settings) == {lonely.one().id}
    gauge = REGISTRY.get_sample_value("metrology_notices_without_recipient")
    assert gauge == 1
    # Every notice of the scan has a delivery; a rerun queues nothing more.
    undelivered = select(func.count()).where(
        ~select(NoticeDelivery.id).where(NoticeDelivery.notice_id == Notice.id).exists()
    )
    assert db.exec(undelivered.select_from(Notice)).one() == 0
    clock.advance(hours=1)
    assert run_due_scan(db, now=clock(), settings=settings).deliveries == 0


def test_an_officer_scoped_later_receives_the_open_escalation(
    db: Session, world: World, settings: Settings
) -> None:
    lone = site_in(db, "18073", "Chợ Thành Sen")
    scale = add_instrument(db, world, serial="F-3", due_date=DUE, site_id=lone)
    clock = escalate(db, settings, scale)
    create_user(
        db,
        name="Cán bộ Thành Sen",
        email="thanhsen@tdc.example.vn",
        role=Role.INSPECTOR,
        unit_codes=["18073"],
    )
    clock.advance(days=1)
    run_due_scan(db, now=clock(), settings=settings)
    kind = NoticeKind.RECALL_ESCALATION
    assert sent_to(db, scale, kind) == [("email", OFFICE), ("email", "thanhsen@tdc.example.vn")]
    assert flagged(db, settings) == set()  # somebody has it now
    clock.advance(days=1)
    assert run_due_scan(db, now=clock(), settings=settings).deliveries == 0


def test_an_owner_without_channels_is_flagged_until_preferences_are_set(
    db: Session, world: World, settings: Settings
) -> None:
    # A preference row naming nothing, as the API stored `{}` before it refused it.
    db.add(NoticePreference(owner_id=world.owner_vi))
    scale = add_instrument(db, world, serial="F-4", due_date=DUE)
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    kind = NoticeKind.OVERDUE_RECALL
    assert sent_to(db, scale, kind) == [("email", OFFICE)]
    assert len(flagged(db, settings)) == 1
    clock.advance(days=2)
    admin = ADMIN
    data = PreferenceIn(email="hoa@example.vn")
    set_preference(db, admin, owner_id=world.owner_vi, data=data, now=clock(), settings=settings)
    # Queued at once, not at the next scan; the office is not written to again.
    assert sent_to(db, scale, kind) == [("email", "hoa@example.vn"), ("email", OFFICE)]
    assert flagged(db, settings) == set()
    assert run_due_scan(db, now=clock(), settings=settings).deliveries == 0


def test_an_owners_channel_set_directly_is_picked_up_by_the_next_scan(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="F-5", due_date=DUE)
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    kind = NoticeKind.OVERDUE_RECALL
    number = db.exec(select(Notice.number).where(Notice.instrument_id == scale.id)).one()
    assert sent_to(db, scale, kind) == [("letter", number)]  # no e-mail: a printed letter
    clock.advance(days=1)
    hook = "https://h.example.vn/x"
    db.add(NoticePreference(owner_id=world.owner_vi, webhook_url=hook, updated_at=clock()))
    db.flush()
    assert run_due_scan(db, now=clock(), settings=settings).deliveries == 1
    assert sent_to(db, scale, kind) == [("letter", number), ("webhook", "https://h.example.vn/x")]


def test_an_acknowledged_or_old_notice_is_not_queued_again(
    db: Session, world: World, settings: Settings
) -> None:
    acked = add_instrument(db, world, serial="F-6", due_date=DUE)
    old = add_instrument(db, world, serial="F-7", due_date=DUE - timedelta(days=60))
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    notice = db.exec(select(Notice).where(Notice.instrument_id == acked.id)).one()
    notice.acknowledged_at = clock()
    db.add(notice)
    # The other recall was made long ago (beyond notice_requeue_days).
    stale = db.exec(select(Notice).where(Notice.instrument_id == old.id)).one()
    stale.created_at = clock.now - timedelta(days=settings.notice_requeue_days + 1)
    db.add(stale)
    fresh = add_instrument(db, world, serial="F-6b", due_date=DUE)  # open: gets the e-mail
    run_due_scan(db, now=clock(), settings=settings)
    clock.advance(days=1)
    db.add(NoticePreference(owner_id=world.owner_vi, email="hoa@example.vn", updated_at=clock()))
    db.flush()
    run_due_scan(db, now=clock(), settings=settings)
    for scale in (acked, old):
        channels = [c for c, _ in sent_to(db, scale, NoticeKind.OVERDUE_RECALL)]
        assert channels == ["letter"]
    assert [c for c, _ in sent_to(db, fresh, NoticeKind.OVERDUE_RECALL)] == ["email", "letter"]


def test_a_notice_left_without_deliveries_is_queued_by_the_next_scan(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="F-8", due_date=DUE, owner_id=world.owner_en)
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
    for row in NoticeRepository(db).deliveries(notice.id or 0):
        db.delete(row)  # as a crash between the notice and its outbox rows once left it
    db.flush()
    clock.advance(days=1)
    run_due_scan(db, now=clock(), settings=settings)
    assert sent_to(db, scale, NoticeKind.OVERDUE_RECALL) == [("email", "ops@example.com")]


def test_a_failed_verification_reaches_the_owner_in_english_and_the_officer(
    db: Session, world: World, settings: Settings
) -> None:
    scale = failed_scale(db, world, "F-9", world.station_a)  # Sông Trí: inspector_a
    scale.owner_id = world.owner_en
    db.add(scale)
    db.flush()
    run_due_scan(db, now=FakeClock(DUE - timedelta(days=99))(), settings=settings)
    kind = NoticeKind.FAILED_VERIFICATION
    assert sent_to(db, scale, kind) == [
        ("email", "inspector_a@tdc.example.vn"),
        ("email", "ops@example.com"),
    ]
    notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
    assert notice.language == "en"
    rendered = render(db, notice, settings=settings)
    assert rendered.subject.startswith("Instrument failed verification:")
    assert "To: Petrolimex Hà Tĩnh" in rendered.body
    assert "FAIL" in rendered.body
    assert "KHÔNG ĐẠT" not in rendered.body


def test_preferences_must_name_a_channel(client: TestClient, world: World) -> None:
    url = f"/api/v1/notices/preferences/{world.owner_vi}"
    for body in ({}, {"letter": False}, {"webhook_secret": "a-long-shared-secret"}):
        refused = client.put(url, json=body, headers=world.auth("admin"))
        assert refused.status_code == 422, body
        assert "ít nhất một kênh" in refused.text
    assert client.put(url, json={"letter": True}, headers=world.auth("admin")).status_code == 200


def test_the_ledger_shows_and_filters_notices_without_recipient(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    lone = site_in(db, "18073", "Chợ Thành Sen")
    add_instrument(db, world, serial="F-10", due_date=DUE, site_id=lone)
    add_instrument(db, world, serial="F-11", due_date=DUE)
    escalate(db, settings, db.exec(select(Instrument).where(Instrument.serial == "F-10")).one())
    login(client, db, "admin")
    page = client.get("/web/notices").text
    rows = {r.split("</tr>")[0] for r in page.split('data-notice="')[1:]}
    badged = [r for r in rows if "data-no-recipient" in r]
    assert len(badged) == 1
    assert "F-10" in badged[0]
    assert "Chưa có người nhận" in badged[0]
    only = client.get("/web/notices?no_recipient=1").text
    assert only.count('data-notice="') == 1
    assert "F-10" in only
    assert "F-11" not in only
    english = client.get("/web/notices?no_recipient=1&lang=en").text
    assert "No recipient configured" in english
    assert (
        db.exec(
            select(func.count()).select_from(Notice).where(col(Notice.kind) == "recall_escalation")
        ).one()
        == 2
    )
