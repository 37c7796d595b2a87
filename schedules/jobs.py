"""Jobs: each opens its own unit of work, reads the injected clock, and commits."""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from metrology_svc.notices.dispatch import dispatch
from metrology_svc.notices.models import DeliveryStatus
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
    *,
    sessions: SessionFactory,
    settings: Settings,
    clock: Clock,
    batch: int | None = None,
    claimant: str | None = None,
) -> dict[str, int]:
    """Send every delivery attempt whose time has come, each once (claimed before it is sent).

    The notices and their first attempts were committed by the scan (the outbox), so a crash
    here loses nothing: an attempt claimed by a dead process is claimed again when its lease
    expires. Any number of dispatchers (replicas, `scheduler --once`) may run at once.
    """
    with measured("notice_dispatch"):
        counts = dispatch(
            sessions=sessions, settings=settings, clock=clock, claimant=claimant, batch=batch
        )
    if counts.get(DeliveryStatus.GIVEN_UP.value):
        log.warning(
            "notice deliveries given up: %d",
            counts[DeliveryStatus.GIVEN_UP.value],
            extra={"job_id": "notice_dispatch"},
        )
    return counts
