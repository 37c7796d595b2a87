"""API shapes for audit records."""

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel


class AuditRecordPublic(SQLModel):
    """An audit record as the API returns it."""

    id: int
    seq: int
    at: datetime
    actor_user_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str
