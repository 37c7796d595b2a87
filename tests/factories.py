"""A small, realistic world for tests: units, users of every role, sites, owners."""

from dataclasses import dataclass, field

from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import create_user
from metrology_svc.owners.models import Language, Owner, OwnerKind
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.repository import UnitRepository

ADMIN = Principal(user_id=0, name="system", role=Role.ADMIN)


@dataclass
class World:
    """Ids and tokens the tests use."""

    tokens: dict[str, str] = field(default_factory=dict)
    unit_ids: dict[str, int] = field(default_factory=dict)
    market_a: int = 0  # Chợ Kỳ Anh, commune A (Phường Sông Trí, 18754)
    station_a: int = 0  # fuel station in commune A
    market_b: int = 0  # a market in commune B (Phường Hải Ninh, 18781), outside inspector A
    owner_vi: int = 0
    owner_en: int = 0

    def auth(self, role: str) -> dict[str, str]:
        """Return the Authorization header for a role: admin, inspector_a, inspector_b, viewer."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_world(db: Session) -> World:
    """Use province 42 and two of its 2025 communes; create users, sites and owners."""
    w = World()
    # The 2025 list is loaded with the schema: province 42 and two of its communes.
    for code in ("42", "18754", "18781"):
        unit = UnitRepository(db).by_code(code, "2025")
        assert unit is not None
        assert unit.id is not None
        w.unit_ids[code] = unit.id
    for role, r, codes in [
        ("admin", Role.ADMIN, []),
        ("viewer", Role.VIEWER, []),
        ("inspector_a", Role.INSPECTOR, ["18754"]),
        ("inspector_b", Role.INSPECTOR, ["18781"]),
    ]:
        w.tokens[role] = create_user(
            db, name=f"Test {role}", email=f"{role}@tdc.example.vn", role=r, unit_codes=codes
        ).token
    sites = [
        Site(
            kind=SiteKind.MARKET,
            name="Chợ Kỳ Anh",
            unit_id=w.unit_ids["18754"],
            latitude=18.07,
            longitude=106.29,
        ),
        Site(
            kind=SiteKind.FUEL_STATION, name="Cửa hàng xăng dầu số 5", unit_id=w.unit_ids["18754"]
        ),
        Site(kind=SiteKind.MARKET, name="Chợ Kỳ Đồng", unit_id=w.unit_ids["18781"]),
    ]
    for site in sites:
        db.add(site)
    owners = [
        Owner(
            kind=OwnerKind.HOUSEHOLD,
            name="Nguyễn Thị Hoa",
            trade_name="Sạp thịt Hoa",
            phone="0912345678",
            language=Language.VI,
        ),
        Owner(
            kind=OwnerKind.COMPANY,
            name="Petrolimex Hà Tĩnh",
            tax_code="3000100234",
            email="ops@example.com",
            language=Language.EN,
        ),
    ]
    for owner in owners:
        db.add(owner)
    db.flush()
    w.market_a, w.station_a, w.market_b = (s.id or 0 for s in sites)
    w.owner_vi, w.owner_en = (o.id or 0 for o in owners)
    return w


def spring_scale(
    w: World, *, serial: str = "LX-0001", site_id: int | None = None
) -> dict[str, object]:
    """Return the API body of a 15 kg spring dial scale, e = 50 g."""
    return {
        "type_code": "scale_spring_dial",
        "serial": serial,
        "manufacturer": "Nhơn Hòa",
        "model": "NHS-15",
        "accuracy_class": "IIII",
        "max_g": 15000,
        "e_g": 50,
        "d_g": 50,
        "owner_id": w.owner_vi,
        "site_id": site_id or w.market_a,
    }


def dispenser(w: World, *, serial: str = "TK-2024-01") -> dict[str, object]:
    """Return the API body of a fuel dispenser."""
    return {
        "type_code": "fuel_dispenser",
        "serial": serial,
        "manufacturer": "Tatsuno",
        "model": "Sunny",
        "qmin_lpm": 5,
        "qmax_lpm": 50,
        "nozzles": 2,
        "mmq_l": 2,
        "owner_id": w.owner_en,
        "site_id": w.station_a,
    }
