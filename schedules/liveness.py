"""The liveness pass: silent control scales go offline and their alerts exist within minutes.

Before it, the offline and out-of-tolerance notices waited for the daily due scan (01:00 UTC).
The pass runs every `liveness_interval_minutes` on the scheduler's leader; the due scan still
raises the same notices, and the notices' unique key makes whichever runs second add nothing.

When every online device (two or more) fell silent at once, the silence is the ingest's or the
broker's, not the scales': the pass then marks no one offline (the ingest's /readyz and
metrics tell that story) rather than alert every market board. One device alone cannot be
told apart from its ingest, so it is marked offline as before.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from devices.registry import sweep_offline
from metrology_svc.audit.service import audit
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings
from schedules.due_scan import SCAN_LOCK_KEY
from schedules.evidence_repository import EvidenceNoticeRepository


@dataclass(frozen=True)
class LivenessResult:
    """What one liveness pass changed."""

    offline: list[str] = field(default_factory=list)  # devices newly marked offline
    notices: int = 0
    deliveries: int = 0
    ingest_silent: bool = False  # every online device silent: nobody was marked offline

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a dict (for logs and JSON)."""
        counts = asdict(self)
        return {**counts, "offline": len(self.offline), "ingest_silent": int(self.ingest_silent)}


def run_liveness(session: Session, *, now: datetime, settings: Settings) -> LivenessResult:
    """Mark silent devices offline, raise the control-scale notices and queue them; no commit.

    A rerun finds no online silent device and no missing notice key, so it changes nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        # The due scan inserts the same notices: one at a time keeps the inserts from
        # deadlocking each other (the unique key alone keeps them from doubling).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK_KEY})
    silence = settings.device_offline_minutes
    evidence = EvidenceNoticeRepository(session)
    online, heard = evidence.online_devices_heard(since=now - timedelta(minutes=silence))
    ingest_silent = online >= 2 and heard == 0
    gone = [] if ingest_silent else sweep_offline(session, now=now, silence_minutes=silence)
    # The notices are INSERT … SELECT on the connection: the offline flags must be in the
    # database before it reads them, or the notice would wait for the next pass.
    session.flush()
    notices = evidence.insert_control_scales(now=now)
    queue = NoticeRepository(session)
    office = settings.notice_office_email
    deliveries = queue.queue_owner_deliveries(created_at=now, now=now, office_email=office)
    deliveries += queue.queue_inspector_deliveries(created_at=now, now=now, office_email=office)
    result = LivenessResult([d.id for d in gone], notices, deliveries, ingest_silent)
    if notices:
        audit(
            session,
            actor=None,
            action="notices.bulk_create",
            entity="liveness",
            entity_id=None,
            detail=result.as_dict(),
            at=now,
        )
    return result
