"""The demo's accounts: one per role, each with a generated password and an API token.

E-mail addresses are under `.example` (a reserved domain), so no notice can reach a real inbox.
Passwords and tokens are random, made at load time and shown once; only their hashes are stored.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import Role
from metrology_svc.auth.service import create_user
from metrology_svc.demo import places
from metrology_svc.owners.schemas import OwnerCreate

ADMIN_EMAIL = "admin@tdc-hatinh.example"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account a newcomer can use: role, e-mail, password, API token and what it sees."""

    key: str  # admin, inspector_province, inspector_commune, viewer, owner
    role: Role
    name: str
    email: str
    password: str
    token: str
    scope_vi: str
    scope_en: str


@dataclass(frozen=True, slots=True)
class Account:
    """Who a demo account is, before it is created."""

    key: str
    role: Role
    name: str
    email: str
    scope_vi: str
    scope_en: str
    unit_codes: tuple[str, ...] = ()
    owner_id: int | None = None


def _inspector_commune(unit_names: Mapping[str, str]) -> Account:
    market = next(m for m in places.MARKETS if m.name == places.INSPECTOR_MARKET)
    assert market.commune is not None
    commune, province = unit_names[market.commune], unit_names[places.PROVINCE]
    return Account(
        key="inspector_commune",
        role=Role.INSPECTOR,
        name="Trần Văn Hùng",
        email="hung.tv@songtri.example",
        scope_vi=f"{commune}, {province}: {market.name} và các cơ sở trên địa bàn",
        scope_en=f"{commune} in {province}: {market.name} and the other sites there",
        unit_codes=(market.commune,),
    )


def staff_accounts(unit_names: Mapping[str, str]) -> list[Account]:
    """Return the office's demo accounts: admin, two inspectors and a viewer.

    `unit_names` maps codes of the list in force (2025) to names; scopes name those units.
    """
    province_code = places.PROVINCE
    name = unit_names[province_code].removeprefix("Tỉnh ")
    return [
        Account(
            key="admin",
            role=Role.ADMIN,
            name="Quản trị Chi cục TĐC Hà Tĩnh",
            email=ADMIN_EMAIL,
            scope_vi=f"Toàn tỉnh {name}, được quản trị và sửa mọi dữ liệu",
            scope_en=f"The whole province of {name}; administers and changes everything",
        ),
        Account(
            key="inspector_province",
            role=Role.INSPECTOR,
            name="Nguyễn Thị Thu Hà",
            email="ha.ntt@tdc-hatinh.example",
            scope_vi=f"Toàn tỉnh {name}",
            scope_en=f"The whole province of {name}",
            unit_codes=(province_code,),
        ),
        _inspector_commune(unit_names),
        Account(
            key="viewer",
            role=Role.VIEWER,
            name=f"Sở Công Thương {name}",
            email="quanlythuongmai@soct-hatinh.example",
            scope_vi=f"Xem toàn tỉnh {name}, không được sửa",
            scope_en=f"Reads the whole province of {name}, changes nothing",
        ),
    ]


def owner_account(owner: OwnerCreate, *, owner_id: int, market: str, slug: str) -> Account:
    """Return the portal account of a stall holder (API token only: owners get no web pages)."""
    stall = owner.trade_name or owner.name
    return Account(
        key="owner",
        role=Role.OWNER,
        name=owner.name,
        email=f"chu-sap@cho-{slug}.example",
        scope_vi=f"{stall} ở {market}: phương tiện đo và thông báo của mình, qua API",
        scope_en=f"{stall} at {market}: own instruments and notices, through the API only",
        owner_id=owner_id,
    )


def create_login(session: Session, account: Account) -> DemoLogin:
    """Create the account with a fresh password and API token; the caller commits."""
    issued = create_user(
        session,
        name=account.name,
        email=account.email,
        role=account.role,
        unit_codes=list(account.unit_codes),
        owner_id=account.owner_id,
    )
    password = secrets.token_urlsafe(9)
    set_password(session, email=account.email, password=password)
    return DemoLogin(
        key=account.key,
        role=account.role,
        name=account.name,
        email=account.email,
        password=password,
        token=issued.token,
        scope_vi=account.scope_vi,
        scope_en=account.scope_en,
    )
