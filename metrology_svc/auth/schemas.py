"""API shapes for users and tokens."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from metrology_svc.auth.models import Role
from metrology_svc.core.text import Name
from metrology_svc.core.types import Email


class UserCreate(SQLModel):
    """A new user; an inspector names the unit codes of their jurisdiction."""

    name: Name = Field(min_length=2, max_length=200)
    email: Email = Field(max_length=200)
    role: Role
    unit_codes: list[str] = Field(default_factory=list, max_length=100)
    owner_id: int | None = Field(default=None, description="Role owner: the owner it reads")
    token_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Days the first token lives (0: never expires); default METROLOGY_TOKEN_DAYS",
    )


class UserPublic(SQLModel):
    """A user as the API returns it."""

    id: int
    name: str
    email: str
    role: Role
    owner_id: int | None = None


class UserWithToken(SQLModel):
    """A new user and their token, shown this once."""

    user: UserPublic
    token: str


class AccountMessagePublic(SQLModel):
    """Something the service tells the account holder, e.g. that their scope was migrated."""

    id: int
    text_vi: str
    text_en: str
    created_at: datetime
    read_at: datetime | None


class Me(SQLModel):
    """The calling user, their jurisdiction, and the messages they have not read yet."""

    id: int
    name: str
    role: Role
    unit_paths: list[str]
    owner_id: int | None = None
    messages: list[AccountMessagePublic] = Field(
        default_factory=list, description="Unread messages, newest first"
    )
