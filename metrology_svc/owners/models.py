"""Owners: household businesses and companies that hold instruments."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText
from metrology_svc.core.text import Line, Name
from metrology_svc.core.types import Email, Phone, TaxCode
from metrology_svc.owners.matching import NationalId


class OwnerKind(StrEnum):
    """Legal form of an owner."""

    HOUSEHOLD = "household"
    COMPANY = "company"


class Language(StrEnum):
    """Languages notices and pages are written in."""

    VI = "vi"
    EN = "en"


class OwnerBase(SQLModel):
    """Fields a client gives for an owner."""

    kind: OwnerKind = OwnerKind.HOUSEHOLD
    name: Name = Field(min_length=1, max_length=200)
    trade_name: Name | None = Field(default=None, max_length=200)
    tax_code: TaxCode | None = Field(default=None, max_length=20)
    # A person's citizen ID (CCCD, 12 digits) or old identity card (CMND, 9 digits), digits
    # only. Personal data: shown to administrators only (owners.service.shown).
    national_id: NationalId | None = Field(default=None, max_length=12)
    phone: Phone | None = Field(default=None, max_length=20)
    email: Email | None = Field(default=None, max_length=200)
    language: Language = Language.VI
    address: Line = Field(default="", max_length=400)


class Owner(OwnerBase, table=True):
    """An owner of instruments."""

    __tablename__ = "owner"

    id: int | None = Field(default=None, primary_key=True)
    kind: OwnerKind = Field(default=OwnerKind.HOUSEHOLD, sa_type=EnumText(OwnerKind, 16))
    language: Language = Field(default=Language.VI, sa_type=EnumText(Language, 4))
    tax_code: str | None = Field(default=None, max_length=20, unique=True)
    national_id: str | None = Field(default=None, max_length=12, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
