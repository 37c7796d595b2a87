"""The document register: a counter per issuing body, year and document type, and the entries."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow


class DocumentCounter(SQLModel, table=True):
    """The last number an issuing body gave a type of document in a year (numbers restart at 1
    on 1 January, Decree 30/2020 art. 15)."""

    __tablename__ = "document_counter"

    issuer_code: str = Field(primary_key=True, max_length=200)  # the body's full name
    year: int = Field(primary_key=True)
    doc_type: str = Field(primary_key=True, max_length=16)  # "TB", "BC", "KH"
    last_number: int = 0


class DocumentEntry(SQLModel, table=True):
    """A number given to one document; `ref` names what it is about ("notice:123"), so a
    reprint finds its number instead of taking a new one."""

    __tablename__ = "document_entry"
    __table_args__ = (
        UniqueConstraint("issuer_code", "year", "doc_type", "number", name="uq_document_number"),
        UniqueConstraint("ref", "doc_type", name="uq_document_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issuer_code: str = Field(max_length=200)
    year: int
    doc_type: str = Field(max_length=16)
    number: int
    ref: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
