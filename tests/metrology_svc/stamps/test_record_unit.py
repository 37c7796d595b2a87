"""A stamp is issued under its site's unit, and keeps that unit when the site moves."""

from datetime import date

from sqlmodel import Session, col, select

from metrology_svc.settings import Settings
from metrology_svc.stamps.models import Stamp
from tests.factories import World
from tests.metrology_svc.reports.history import make_old, move, old_site, scale_at, verify_on


def test_a_stamp_keeps_the_unit_it_was_issued_under(
    db: Session, world: World, settings: Settings
) -> None:
    old = make_old(db)
    site = old_site(db, "Chợ Kỳ Trinh", old.id("18820"))
    scale = scale_at(db, world, site, "LX-KT-1")
    verify_on(db, scale, date(2024, 9, 9), settings)
    move(db, site, old.id("18754", scheme="2025"))  # Kỳ Trinh went whole into Sông Trí
    verify_on(db, scale, date(2026, 9, 9), settings)
    db.expire_all()
    stamps = db.exec(
        select(Stamp.serial_year, Stamp.unit_id)
        .where(Stamp.instrument_id == scale.id)
        .order_by(col(Stamp.id))
    ).all()
    assert list(stamps) == [
        (2024, old.id("18820")),  # issued in Phường Kỳ Trinh (2004), superseded since
        (2026, old.id("18754", scheme="2025")),  # issued in Phường Sông Trí
    ]
