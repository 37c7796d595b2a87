"""The audit chain: one append-only row per change, each holding the previous row's hash."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


class AuditRecord(SQLModel, table=True):
    """One audited change; `hash` covers every field and `prev_hash`, so edits show."""

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)  # 1, 2, 3 … without gaps: a gap is a deleted record
    at: datetime
    actor_user_id: int | None = None  # no foreign key: the log outlives any account
    actor: str = Field(max_length=200)  # the user's name, or "system"
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
