"""An inspection is made under its site's unit, and keeps that unit when the site moves."""

from datetime import date

from sqlmodel import Session

from metrology_svc.inspections.models import Inspection
from metrology_svc.inspections.schemas import InspectionCreate
from metrology_svc.inspections.service import create_inspection
from tests.factories import ADMIN, World
from tests.metrology_svc.reports.history import make_old, move, old_site


def _open(db: Session, site_id: int, on: date) -> int:
    data = InspectionCreate(site_id=site_id, inspector="Lê Văn Hùng", inspected_on=on)
    inspection, _site, _unit = create_inspection(db, ADMIN, data, today=date(2026, 11, 22))
    assert inspection.id is not None
    return inspection.id


def test_an_inspection_keeps_the_unit_it_was_made_under(db: Session, world: World) -> None:
    old = make_old(db)
    site = old_site(db, "Chợ Hưng Trí", old.id("18754"))
    before = _open(db, site, date(2025, 3, 3))
    move(db, site, old.id("18754", scheme="2025"))
    after = _open(db, site, date(2026, 3, 3))
    db.expire_all()
    found = {i: db.get(Inspection, i) for i in (before, after)}
    units = {i: inspection.unit_id for i, inspection in found.items() if inspection is not None}
    assert units == {before: old.id("18754"), after: old.id("18754", scheme="2025")}
