"""Pre-2025 Hà Tĩnh pieces for rehoming tests, with their real successions (NQ 1665/NQ-UBTVQH15).

Codes and names are those of the vietnamadminunits data (2004 list): Thị xã Kỳ Anh (449) with
Phường Hưng Trí (18754, went whole into Phường Sông Trí 18754), Phường Kỳ Ninh (18781, whole
into Phường Hải Ninh 18781), Xã Kỳ Hà (18808, whole into Hải Ninh) and Xã Kỳ Lợi (18796, split
between Hoành Sơn 18832, Sông Trí 18754 and Vũng Áng 18823, the main part). 99901 is a made-up
commune with no succession recorded. Units and rows are made only when the database lacks them
(a database that already holds the shipped succession keeps its own rows).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.auth.models import UserUnit
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import (
    AdminUnit,
    SuccessionShare,
    UnitLevel,
    UnitSuccession,
)
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit

RESOLUTION = "1665/NQ-UBTVQH15"
OLD = "2004"
NEW = "2025"

# (code, name, level, parent code) in the 2004 list
OLD_UNITS = [
    ("42", "Tỉnh Hà Tĩnh", UnitLevel.PROVINCE, None),
    ("449", "Thị xã Kỳ Anh", UnitLevel.DISTRICT, "42"),
    ("18754", "Phường Hưng Trí", UnitLevel.COMMUNE, "449"),
    ("18781", "Phường Kỳ Ninh", UnitLevel.COMMUNE, "449"),
    ("18796", "Xã Kỳ Lợi", UnitLevel.COMMUNE, "449"),
    ("18808", "Xã Kỳ Hà", UnitLevel.COMMUNE, "449"),
    ("99901", "Xã Thử Nghiệm", UnitLevel.COMMUNE, "449"),
]
# old code → [(new code, share, main part)]
SUCCESSION = {
    "18754": [("18754", SuccessionShare.WHOLE, True)],
    "18781": [("18781", SuccessionShare.WHOLE, True)],
    "18808": [("18781", SuccessionShare.WHOLE, True)],
    "18796": [
        ("18832", SuccessionShare.PART, False),
        ("18754", SuccessionShare.PART, False),
        ("18823", SuccessionShare.PART, True),
    ],
}
KY_LOI_SUCCESSORS = {"18754", "18823", "18832"}
DISTRICT_449_SUCCESSORS = {"18754", "18781", "18823", "18832"}


@dataclass
class Old:
    """Ids of the 2004 units and the 2025 units the tests use, by code."""

    old: dict[str, AdminUnit] = field(default_factory=dict)
    new: dict[str, AdminUnit] = field(default_factory=dict)

    def site(self, db: Session, name: str, code: str, **fields: Any) -> Site:
        """Place a site in a 2004 unit (as sites stood before 01/07/2025)."""
        site = Site(kind=SiteKind.MARKET, name=name, unit_id=self.old[code].id or 0, **fields)
        db.add(site)
        db.flush()
        return site

    def scope(self, db: Session, user_id: int, code: str, scheme: str = OLD) -> None:
        """Link an account to a unit (an old one: as accounts stood before the upgrade)."""
        unit = self.old[code] if scheme == OLD else self.new[code]
        db.add(UserUnit(user_id=user_id, unit_id=unit.id or 0))
        db.flush()


def unit(db: Session, code: str, scheme: str) -> AdminUnit:
    """Return a unit of a scheme by code (it must exist)."""
    found = UnitRepository(db).by_code(code, scheme)
    assert found is not None, f"{scheme}:{code}"
    return found


def succeed(
    db: Session, old: AdminUnit, new: AdminUnit, share: SuccessionShare, *, default: bool
) -> None:
    """Record old → new unless the pair is recorded already."""
    repo = UnitRepository(db)
    assert old.id is not None
    assert new.id is not None
    if repo.succession_pair(old.id, new.id) is None:
        db.add(
            UnitSuccession(
                old_unit_id=old.id,
                new_unit_id=new.id,
                share=share,
                is_default=default,
                resolution=RESOLUTION,
                resolution_date=date(2025, 6, 16),
                effective_on=date(2025, 7, 1),
                source="test",
            )
        )
        db.flush()


def make_old(db: Session) -> Old:
    """Give the database the 2004 units above and their successions (idempotent)."""
    out = Old()
    repo = UnitRepository(db)
    for code, name, level, parent in OLD_UNITS:
        found = repo.by_code(code, OLD)
        if found is None:
            found = create_unit(
                db,
                AdminUnitCreate(code=code, name=name, level=level, parent_code=parent, scheme=OLD),
            )
        out.old[code] = found
    for code in ("42", "18754", "18781", "18823", "18832"):
        out.new[code] = unit(db, code, NEW)
    for old_code, rows in SUCCESSION.items():
        for new_code, share, default in rows:
            succeed(db, out.old[old_code], out.new[new_code], share, default=default)
    # A database that holds the shipped succession may know 99901 by then: it must not.
    assert not repo.successions_from([out.old["99901"].id or 0])
    return out
