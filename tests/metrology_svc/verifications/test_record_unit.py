"""A verification is made under its site's unit, and keeps that unit when the site moves."""

from datetime import date

from sqlmodel import Session, col, select

from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.settings import Settings
from metrology_svc.verifications.imported import record_imported_verification
from metrology_svc.verifications.models import Verification
from tests.factories import ADMIN, World
from tests.metrology_svc.reports.history import make_old, move, old_site, scale_at, verify_on

TODAY = date(2026, 11, 22)


def test_a_verification_keeps_the_unit_it_was_made_under_when_the_site_moves(
    db: Session, world: World, settings: Settings
) -> None:
    old = make_old(db)
    site = old_site(db, "Chợ Hưng Trí", old.id("18754"))
    scale = scale_at(db, world, site, "LX-HT-1")
    before = verify_on(db, scale, date(2024, 5, 6), settings)
    assert before.unit_id == old.id("18754")

    move(db, site, old.id("18754", scheme="2025"))
    after = verify_on(db, scale, date(2026, 5, 6), settings)

    db.expire_all()
    units: dict[date, int | None] = dict(
        db.exec(
            select(col(Verification.verified_on), col(Verification.unit_id))
            .where(Verification.instrument_id == scale.id)
            .order_by(col(Verification.id))
        ).all()
    )
    # Made in Phường Hưng Trí (2004), kept; the one after the move is made in Phường Sông Trí.
    assert units == {
        date(2024, 5, 6): old.id("18754"),
        date(2026, 5, 6): old.id("18754", scheme="2025"),
    }
    assert after.unit_id != before.unit_id


def test_an_imported_verification_is_made_under_its_sites_unit(db: Session, world: World) -> None:
    old = make_old(db)
    site = old_site(db, "Chợ Kỳ Ninh", old.id("18781"))
    scale = scale_at(db, world, site, "LX-KN-1")
    made = record_imported_verification(
        db,
        ADMIN,
        scale,
        verified_on=date(2024, 3, 1),
        file_name="danh-sach-2024.xlsx",
        row=3,
        rulebook=load_rulebook(db),
        today=TODAY,
        due_soon_days=30,
    )
    move(db, site, old.id("18781", scheme="2025"))
    db.expire_all()
    stored = db.get(Verification, made.id)
    assert stored is not None
    assert stored.unit_id == old.id("18781")  # Phường Kỳ Ninh (2004), not Hải Ninh
