"""API shapes for users and tokens."""

from sqlmodel import Field, SQLModel

from metrology_svc.auth.models import Role
from metrology_svc.core.types import Email


class UserCreate(SQLModel):
    """A new user; an inspector names the unit codes of their jurisdiction."""

    name: str = Field(min_length=2, max_length=200)
    email: Email = Field(max_length=200)
    role: Role
    unit_codes: list[str] = Field(default_factory=list, max_length=100)
    owner_id: int | None = Field(default=None, description="Role owner: the owner it reads")


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


class Me(SQLModel):
    """The calling user and their jurisdiction."""

    id: int
    name: str
    role: Role
    unit_paths: list[str]
    owner_id: int | None = None
