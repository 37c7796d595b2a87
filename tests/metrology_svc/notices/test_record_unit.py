"""A notice is made under its site's unit (also by the set-based scan), and keeps it."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from metrology_svc.notices.models import Notice, NoticeKind
from metrology_svc.notices.service import enqueue
from metrology_svc.readings.models import InspectionRequest
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from schedules.evidence_repository import EvidenceNoticeRepository
from tests.factories import World
from tests.metrology_svc.reports.history import make_old, move, old_site
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2025, 3, 31)


def test_notices_keep_the_unit_they_were_made_under(
    db: Session, world: World, settings: Settings
) -> None:
    old = make_old(db)
    site = old_site(db, "Chợ Hưng Trí", old.id("18754"))
    scale = add_instrument(db, world, serial="N-1", due_date=DUE, site_id=site)
    clock = FakeClock(DUE - timedelta(days=7))
    run_due_scan(db, now=clock(), settings=settings)  # the 7-day reminder, set-based
    move(db, site, old.id("18754", scheme="2025"))
    clock.set_day(date(2025, 7, 2))
    enqueue(
        db,
        kind=NoticeKind.LOST_STAMP,
        instrument_id=scale.id or 0,
        due_date=clock().date(),
        now=clock(),
    )
    db.commit()
    db.expire_all()
    made = db.exec(
        select(Notice.kind, Notice.unit_id)
        .where(Notice.instrument_id == scale.id)
        .order_by(col(Notice.id))
    ).all()
    assert list(made) == [
        ("due_soon", old.id("18754")),  # made in Phường Hưng Trí before the move, kept
        ("lost_stamp", old.id("18754", scheme="2025")),  # made in Phường Sông Trí
    ]


def test_evidence_notices_are_made_under_the_sites_unit_too(
    db: Session, world: World, settings: Settings
) -> None:
    scale = add_instrument(db, world, serial="N-2", due_date=DUE, site_id=world.market_b)
    db.add(InspectionRequest(instrument_id=scale.id or 0, site_id=world.market_b, reason="B1"))
    db.flush()
    assert EvidenceNoticeRepository(db).insert_suspect_sellers(now=FakeClock(DUE)()) == 1
    notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
    assert (notice.kind, notice.unit_id) == ("suspect_seller", world.unit_ids["18781"])
