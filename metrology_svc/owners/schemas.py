"""API shapes for owners."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from metrology_svc.core.text import Line, Name
from metrology_svc.core.types import Email, Phone, TaxCode
from metrology_svc.owners.models import Language, OwnerBase, OwnerKind


class OwnerCreate(OwnerBase):
    """A new owner."""


class OwnerUpdate(SQLModel):
    """Changes to an owner; absent fields stay as they are."""

    kind: OwnerKind | None = None
    name: Name | None = Field(default=None, min_length=1, max_length=200)
    trade_name: Name | None = Field(default=None, max_length=200)
    tax_code: TaxCode | None = Field(default=None, max_length=20)
    phone: Phone | None = Field(default=None, max_length=20)
    email: Email | None = Field(default=None, max_length=200)
    language: Language | None = None
    address: Line | None = Field(default=None, max_length=400)


class OwnerPublic(OwnerBase):
    """An owner as the API returns it."""

    id: int
    created_at: datetime
