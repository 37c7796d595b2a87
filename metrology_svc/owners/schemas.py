"""API shapes for owners."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from metrology_svc.core.text import Line, Name
from metrology_svc.core.types import Email, Phone, TaxCode
from metrology_svc.owners.matching import NationalId
from metrology_svc.owners.models import Language, OwnerBase, OwnerKind


class OwnerCreate(OwnerBase):
    """A new owner."""


class OwnerUpdate(SQLModel):
    """Changes to an owner; absent fields stay as they are."""

    kind: OwnerKind | None = None
    name: Name | None = Field(default=None, min_length=1, max_length=200)
    trade_name: Name | None = Field(default=None, max_length=200)
    tax_code: TaxCode | None = Field(default=None, max_length=20)
    national_id: NationalId | None = Field(default=None, max_length=12)
    phone: Phone | None = Field(default=None, max_length=20)
    email: Email | None = Field(default=None, max_length=200)
    language: Language | None = None
    address: Line | None = Field(default=None, max_length=400)


class OwnerPublic(OwnerBase):
    """An owner as the API returns it (national_id null for all but administrators)."""

    id: int
    created_at: datetime


class OwnerMerge(SQLModel):
    """The owner to fold into the one named in the path (a duplicate, e.g. from an import)."""

    duplicate_id: int = Field(
        ge=1, le=2**31 - 1, description="The duplicate owner: it is removed once merged"
    )


class OwnerMergeResult(SQLModel):
    """What a merge moved to the owner that stays."""

    owner: OwnerPublic
    duplicate_id: int
    instrument_ids: list[int] = Field(description="Instruments moved (a history event each)")
    notices: int = Field(description="Notices now linked to the owner (their letters unchanged)")
    accounts: int = Field(description="Owner portal accounts now reading the owner")
    decisions: int = Field(description="Inspection decisions naming the owner as the party")
    preferences: bool = Field(description="Whether notice channels came from the duplicate")
    filled: list[str] = Field(description="Empty fields of the owner filled from the duplicate")
