"""Rendering: the owner's language picks the template; event kinds plug in through enqueue."""

from datetime import date, timedelta

from sqlmodel import Session, select

from metrology_svc.notices.models import Notice, NoticeKind
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.service import enqueue, render
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)


def test_templates_follow_the_owners_language(
    db: Session, world: World, settings: Settings
) -> None:
    add_instrument(db, world, serial="L-vi", due_date=DUE, owner_id=world.owner_vi)
    add_instrument(db, world, serial="L-en", due_date=DUE, owner_id=world.owner_en)
    run_due_scan(db, now=FakeClock(DUE - timedelta(days=7))(), settings=settings)
    subjects = {}
    for notice in db.exec(select(Notice)):
        subjects[notice.language] = render(db, notice, settings=settings).subject
    assert subjects["vi"].startswith("Nhắc lịch kiểm định: Cân đồng hồ lò xo")
    assert subjects["en"].startswith("Verification reminder:")
    assert "31/03/2027" in subjects["en"]  # dates as people read them: dd/mm/yyyy


def test_enqueue_creates_an_event_notice_once(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="E-1", due_date=DUE)
    now = FakeClock(DUE - timedelta(days=100))()
    for _ in range(2):
        enqueue(
            db,
            kind=NoticeKind.LOST_STAMP,
            instrument_id=scale.id or 0,
            due_date=now.date(),
            now=now,
        )
    notices = list(db.exec(select(Notice)))
    assert [(n.kind, n.recipient_role) for n in notices] == [("lost_stamp", "owner")]
    assert len(NoticeRepository(db).deliveries(notices[0].id or 0)) == 1


def test_every_kind_has_its_own_subject_in_both_languages(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="K-all", due_date=DUE)
    now = FakeClock(DUE)()
    for kind in NoticeKind:
        enqueue(db, kind=kind, instrument_id=scale.id or 0, due_date=DUE, now=now)
    notices = list(db.exec(select(Notice)))
    assert len(notices) == len(NoticeKind)
    for language in ("vi", "en"):
        subjects = set()
        for notice in notices:
            notice.language = language
            rendered = render(db, notice, settings=settings)
            assert "23/2013/TT-BKHCN" in rendered.body
            subjects.add(rendered.subject)
        assert len(subjects) == len(NoticeKind)
