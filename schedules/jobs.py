"""Jobs: each opens its own unit of work, reads the injected clock, and commits."""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from metrology_svc.notices.models import DeliveryStatus
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.service import deliver
from metrology_svc.settings import Settings
from schedules.due_scan import ScanResult, run_due_scan
from schedules.job_metrics import measured
from schedules.liveness import LivenessResult, run_liveness

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SessionFactory = Callable[[], Session]


def due_scan_job(*, sessions: SessionFactory, settings: Settings, clock: Clock) -> ScanResult:
    """Run the due scan in one transaction and commit it."""
    with measured("due_scan"), sessions() as session:
        result = run_due_scan(session, now=clock(), settings=settings)
        session.commit()
    log.info("due scan: %s", result.as_dict(), extra={"job_id": "due_scan"})
    return result


def liveness_job(*, sessions: SessionFactory, settings: Settings, clock: Clock) -> LivenessResult:
    """Mark silent control scales offline and raise their notices in one transaction."""
    with measured("liveness"), sessions() as session:
        result = run_liveness(session, now=clock(), settings=settings)
        session.commit()
    # Logged after the commit, so a line never names a device the database does not show.
    for device_id in result.offline:
        log.warning(
            "thiết bị mất kết nối / device %s is offline",
            device_id,
            extra={"job_id": "liveness", "device_id": device_id},
        )
    if result.ingest_silent:
        log.warning(
            "không thiết bị nào gửi dữ liệu: kiểm tra ingest và broker / no device heard from:"
            " check the ingest and the broker",
            extra={"job_id": "liveness"},
        )
    if result.notices:
        log.info("liveness: %s", result.as_dict(), extra={"job_id": "liveness"})
    return result


def dispatch_job(
    *, sessions: SessionFactory, settings: Settings, clock: Clock, batch: int = 200
) -> dict[str, int]:
    """Send every delivery attempt whose time has come; commit after each one.

    The notices and their first attempts were committed by the scan (the outbox), so a crash
    here loses nothing: the attempts are still pending and the next run sends them.
    """
    with measured("notice_dispatch"):
        counts = _dispatch(sessions=sessions, settings=settings, clock=clock, batch=batch)
    if counts.get(DeliveryStatus.GIVEN_UP.value):
        log.warning(
            "notice deliveries given up: %d",
            counts[DeliveryStatus.GIVEN_UP.value],
            extra={"job_id": "notice_dispatch"},
        )
    return counts


def _dispatch(
    *, sessions: SessionFactory, settings: Settings, clock: Clock, batch: int
) -> dict[str, int]:
    counts: dict[str, int] = {}
    while True:
        with sessions() as session:
            now = clock()
            pending = NoticeRepository(session).due_deliveries(now=now, limit=batch)
            for delivery in pending:
                status = deliver(session, delivery, now=now, settings=settings)
                counts[status.value] = counts.get(status.value, 0) + 1
                session.commit()
            session.commit()
        if len(pending) < batch:
            break
    return counts
