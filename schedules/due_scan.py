"""The due scan: set-based SQL that moves statuses and creates notices and their outbox rows."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.rules import reminder_windows
from metrology_svc.settings import Settings
from schedules.evidence_repository import EvidenceNoticeRepository

# Serialises concurrent scans on PostgreSQL: two UPDATEs over the same rows in different
# orders could deadlock. Correctness does not rest on it: the unique key does.
SCAN_LOCK_KEY = 0x4D455452_0001


@dataclass(frozen=True)
class ScanResult:
    """What one scan changed."""

    statuses_moved: int
    reminders: int
    recalls: int
    failed: int
    escalations: int
    evidence: int
    deliveries: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a dict (for logs and JSON)."""
        return asdict(self)


def run_due_scan(session: Session, *, now: datetime, settings: Settings) -> ScanResult:
    """Move statuses to due/overdue and create every notice the moment calls for; no commit.

    Every statement is one INSERT … SELECT or UPDATE over the whole table, and every notice
    insert skips existing keys, so a rerun (after a crash, or by a second scheduler) is harmless.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK_KEY})
    today = now.date()
    moved = InstrumentRepository(session).refresh_statuses(
        today=today, due_soon_days=settings.due_soon_days
    )
    notices = NoticeRepository(session)
    reminders = sum(
        notices.insert_reminders(first=w.first, last=w.last, offset=w.offset_days, now=now)
        for w in reminder_windows(today=today, offsets=settings.notice_offsets_days)
    )
    recalls = notices.insert_recalls(now=now)
    failed = notices.insert_failed(
        since=today - timedelta(days=settings.notice_failed_lookback_days), now=now
    )
    escalations = notices.insert_escalations(
        created_before=now - timedelta(days=settings.notice_escalate_after_days), now=now
    )
    evidence_repo = EvidenceNoticeRepository(session)
    evidence = evidence_repo.insert_suspect_sellers(now=now)
    evidence += evidence_repo.insert_control_scales(now=now)
    deliveries = notices.queue_owner_deliveries(created_at=now, now=now)
    deliveries += notices.queue_inspector_deliveries(created_at=now, now=now)
    result = ScanResult(moved, reminders, recalls, failed, escalations, evidence, deliveries)
    # One summary record per scan, not one per row: the scan is set-based SQL over the table.
    if any(result.as_dict().values()):
        audit(
            session,
            actor=None,
            action="notices.bulk_create",
            entity="due_scan",
            entity_id=None,
            detail={"today": today, **result.as_dict()},
            at=now,
        )
    return result
