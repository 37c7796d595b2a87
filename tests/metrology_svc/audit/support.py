"""Read what the audit chain says about a change: the newest records of an action."""

from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord


def audited(db: Session, action: str) -> list[AuditRecord]:
    """Return the records of an action, oldest first (fresh from the database)."""
    db.expire_all()
    stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(col(AuditRecord.seq))
    return list(db.exec(stmt).all())


def last_audited(db: Session, action: str) -> AuditRecord:
    """Return the newest record of an action; fail when there is none."""
    found = audited(db, action)
    assert found, f"no audit record {action!r}"
    return found[-1]
