"""The due scan: set-based SQL that moves statuses and creates notices and their outbox rows."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.core.observability import NOTICES_WITHOUT_RECIPIENT
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
    # Open notices that reach only the office (a state, not a change of this scan).
    without_recipient: int = 0

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
    # The new notices and the open ones alike, to every recipient set up by now who has no
    # attempt yet (an owner's channels set since, an officer scoped since): one pass, and a
    # notice left without deliveries by an earlier run is queued by the next.
    since = now - timedelta(days=settings.notice_requeue_days)
    office = settings.notice_office_email
    deliveries = notices.queue_open_deliveries(
        since=since, today=today, now=now, office_email=office
    )
    unreached = notices.count_without_recipient(since=since, today=today, office_email=office)
    NOTICES_WITHOUT_RECIPIENT.set(unreached)
    changes = ScanResult(moved, reminders, recalls, failed, escalations, evidence, deliveries)
    result = replace(changes, without_recipient=unreached)
    # One summary record per scan, not one per row: the scan is set-based SQL over the table.
    if any(changes.as_dict().values()):
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
