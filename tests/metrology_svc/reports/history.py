"""Part of Hà Tĩnh before 01/07/2025 and its succession, and a site moving to its 2025 commune.

Of the 2004 list (codes and names as the package vietnamadminunits 1.0.4 gives them): Thị xã
Kỳ Anh (449) with Phường Hưng Trí (18754), Phường Kỳ Trinh (18820), Xã Kỳ Lợi (18796) and
Phường Kỳ Ninh (18781). Hưng Trí and Kỳ Trinh went whole into Phường Sông Trí (2025: 18754),
Kỳ Ninh whole into Phường Hải Ninh (18781); Kỳ Lợi was split (part of it into Sông Trí).
Units or succession rows already there (a loaded list) are used as they are.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind, SiteMove
from metrology_svc.units.models import AdminUnit, SuccessionShare, UnitLevel, UnitSuccession
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit
from metrology_svc.verifications.models import Verification
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.verifications.service import record_verification
from tests.factories import ADMIN, World, spring_scale
from tests.metrology_svc.stamps.support import GOOD_POINTS

CHANGE = date(2025, 7, 1)
RESOLUTION = "1665/NQ-UBTVQH15"
OLD_UNITS = [
    # code, name, level, division type, parent code
    ("42", "Tỉnh Hà Tĩnh", UnitLevel.PROVINCE, "tỉnh", None),
    ("449", "Thị xã Kỳ Anh", UnitLevel.DISTRICT, "thị xã", "42"),
    ("18754", "Phường Hưng Trí", UnitLevel.COMMUNE, "phường", "449"),
    ("18820", "Phường Kỳ Trinh", UnitLevel.COMMUNE, "phường", "449"),
    ("18796", "Xã Kỳ Lợi", UnitLevel.COMMUNE, "xã", "449"),
    ("18781", "Phường Kỳ Ninh", UnitLevel.COMMUNE, "phường", "449"),
]
SUCCESSION = [
    # old 2004 code, new 2025 code, share
    ("18754", "18754", SuccessionShare.WHOLE),
    ("18820", "18754", SuccessionShare.WHOLE),
    ("18796", "18754", SuccessionShare.PART),
    ("18781", "18781", SuccessionShare.WHOLE),
]


@dataclass
class Old:
    """The 2004 units by code, and the 2025 units by code."""

    old: dict[str, AdminUnit]
    new: dict[str, AdminUnit]

    def id(self, code: str, *, scheme: str = "2004") -> int:
        """Return the id of a unit of a list."""
        unit = (self.old if scheme == "2004" else self.new)[code]
        assert unit.id is not None
        return unit.id


def make_old(db: Session) -> Old:
    """Make (or find) the 2004 units above and their succession rows."""
    repo = UnitRepository(db)
    old: dict[str, AdminUnit] = {}
    for code, name, level, kind, parent in OLD_UNITS:
        unit = repo.by_code(code, "2004") or create_unit(
            db,
            AdminUnitCreate(
                code=code,
                name=name,
                level=level,
                parent_code=parent,
                scheme="2004",
                division_type=kind,
            ),
        )
        old[code] = unit
    new: dict[str, AdminUnit] = {}
    for code in ("42", "18754", "18781"):
        found = repo.by_code(code, "2025")
        assert found is not None
        new[code] = found
    for old_code, new_code, share in SUCCESSION:
        a, b = old[old_code].id or 0, new[new_code].id or 0
        if repo.succession_pair(a, b) is None:
            db.add(
                UnitSuccession(
                    old_unit_id=a,
                    new_unit_id=b,
                    share=share,
                    is_default=share is SuccessionShare.WHOLE,
                    resolution=RESOLUTION,
                    resolution_date=date(2025, 6, 16),
                    effective_on=CHANGE,
                )
            )
    db.flush()
    return Old(old=old, new=new)


def old_site(db: Session, name: str, unit_id: int) -> int:
    """Store a market in a unit (an old one: registered before the change)."""
    site = Site(kind=SiteKind.MARKET, name=name, unit_id=unit_id)
    db.add(site)
    db.flush()
    assert site.id is not None
    return site.id


def move(db: Session, site_id: int, to_unit_id: int, *, on: date = CHANGE) -> None:
    """Move a site to another unit on a day: its unit now, and a row of its history."""
    site = db.get(Site, site_id)
    assert site is not None
    db.add(
        SiteMove(
            site_id=site_id,
            from_unit_id=site.unit_id,
            to_unit_id=to_unit_id,
            moved_at=datetime(on.year, on.month, on.day, 2, tzinfo=UTC),
            reason="succession_whole",
            basis=RESOLUTION,
        )
    )
    site.unit_id = to_unit_id
    db.add(site)
    db.flush()


def scale_at(db: Session, world: World, site_id: int, serial: str) -> Instrument:
    """Register a spring scale at a site."""
    body = InstrumentCreate.model_validate(spring_scale(world, serial=serial, site_id=site_id))
    return create_instrument(db, ADMIN, body)


def verify_on(db: Session, instrument: Instrument, on: date, settings: Settings) -> Verification:
    """Record a passing periodic verification on a day."""
    data = VerificationCreate.model_validate(
        {
            "kind": "periodic",
            "verified_on": on,
            "verifier": "KĐV Trần Văn Nam",
            "procedure": "ĐLVN 30:2019",
            "points": GOOD_POINTS,
        }
    )
    made = record_verification(
        db, ADMIN, instrument.id or 0, data, settings=settings, today=date(2026, 11, 22)
    )
    found = db.get(Verification, made.id)
    assert found is not None
    return found
