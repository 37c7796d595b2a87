"""Users, their jurisdiction and their API tokens (stored hashed)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class Role(StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    INSPECTOR = "inspector"  # scoped to administrative units
    VIEWER = "viewer"
    OWNER = "owner"  # portal: reads its own owner's instruments and notices, changes nothing
    # Ban quản lý chợ: keeps its market's control-scale log (control_logs/), nothing else.
    MARKET_BOARD = "market_board"


class User(SQLModel, table=True):
    """A person who uses the API or the pages."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=200, unique=True, index=True)
    role: Role = Field(sa_type=EnumText(Role, 16))
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # Web sessions are signed over this number (web/session.py): logging out, a new password
    # or disabling the account raises it, and every session cookie made before stops working.
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class UserUnit(SQLModel, table=True):
    """Link: an inspector's jurisdiction includes this unit and everything below it."""

    __tablename__ = "user_unit"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    unit_id: int = Field(foreign_key="admin_unit.id", primary_key=True)


class UserSite(SQLModel, table=True):
    """Link: a market board account keeps the control-scale log of this market (site)."""

    __tablename__ = "user_site"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True, index=True)


class OwnerUser(SQLModel, table=True):
    """Link: an owner portal account reads this owner's instruments and notices."""

    __tablename__ = "owner_user"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)


class ApiToken(SQLModel, table=True):
    """An API token; only its SHA-256 hash is kept. It stops working when revoked or expired."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # None: never (only when issued with 0 days on purpose)


class AccountMessage(SQLModel, table=True):
    """Something the service tells an account holder once, e.g. that their scope was migrated."""

    __tablename__ = "account_message"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    text_vi: str = Field(max_length=2000)
    text_en: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
