"""APScheduler (3.x, UTC) with leader election: only the holder of the leader lock runs jobs.

On PostgreSQL the lock is an advisory lock on a dedicated connection; on SQLite an exclusive
flock on `<data_dir>/scheduler.lock` (released by the kernel when the process dies).
"""

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, NullPool, create_engine, text
from sqlmodel import Session

from metrology_svc.core.clock import utcnow
from metrology_svc.db import new_session
from metrology_svc.settings import Settings
from schedules.jobs import Clock, dispatch_job, due_scan_job, liveness_job

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x4D455452_0002
DUE_SCAN_JOB = "due_scan"
DISPATCH_JOB = "notice_dispatch"
LIVENESS_JOB = "liveness"


def build_scheduler(
    *, sessions: Callable[[], Session], settings: Settings, clock: Clock
) -> BackgroundScheduler:
    """Return a scheduler (not started) with the due scan, liveness and notice dispatch jobs."""
    grace = int(timedelta(hours=settings.scheduler_misfire_grace_hours).total_seconds())
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    common = {"sessions": sessions, "settings": settings, "clock": clock}
    scheduler.add_job(
        due_scan_job,
        "cron",
        id=DUE_SCAN_JOB,
        name="Due scan / Quét hạn kiểm định",
        hour=settings.scheduler_due_scan_hour,
        minute=0,
        kwargs=common,
    )
    scheduler.add_job(
        liveness_job,
        "interval",
        id=LIVENESS_JOB,
        name="Liveness / Cân đối chứng mất kết nối, sai số",
        minutes=settings.liveness_interval_minutes,
        kwargs=common,
    )
    scheduler.add_job(
        dispatch_job,
        "interval",
        id=DISPATCH_JOB,
        name="Notice dispatch / Gửi thông báo",
        seconds=settings.scheduler_dispatch_seconds,
        kwargs=common,
    )
    return scheduler


class SchedulerService:
    """Runs the jobs while this process is the leader; followers retry every few seconds."""

    def __init__(self, *, engine: Engine, settings: Settings, clock: Clock = utcnow) -> None:
        self.engine, self.settings = engine, settings
        self.scheduler = build_scheduler(
            sessions=lambda: new_session(engine), settings=settings, clock=clock
        )
        self._postgres = engine.dialect.name == "postgresql"
        # The lock lives on its own connection, outside the pool, for as long as we lead.
        self._lock_engine = (
            create_engine(engine.url, poolclass=NullPool) if self._postgres else None
        )
        self._lock_conn: Connection | None = None
        self._lock_fd: int | None = None
        self._following = False  # said once, not every retry
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leader = threading.Event()

    def start(self) -> None:
        """Start the scheduler paused and the election loop that resumes it when leading."""
        self.scheduler.start(paused=True)
        self._thread = threading.Thread(target=self._elect, name="scheduler-leader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the jobs and give the leadership up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._release()
        if self._lock_engine is not None:
            self._lock_engine.dispose()

    def _elect(self) -> None:
        while not self._stop.is_set():
            if not self.leader.is_set():
                if self._try_lock():
                    self._lead()
            elif not self._holding():
                self._follow()
            self._stop.wait(self.settings.scheduler_leader_retry_seconds)

    def _try_lock(self) -> bool:
        held = self._try_file_lock() if self._lock_engine is None else self._try_advisory_lock()
        if not held and not self._following:
            log.info("scheduler: another process is the leader; this process follows")
        self._following = not held
        return held

    def _try_file_lock(self) -> bool:
        path = self.settings.data_dir / "scheduler.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            log.exception("leader election: cannot open %s", path)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another scheduler holds it
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _try_advisory_lock(self) -> bool:
        assert self._lock_engine is not None
        try:
            conn = self._lock_engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY})
            held = bool(got.scalar())
            conn.commit()
        except Exception:
            log.exception("leader election: the database did not answer")
            return False
        if held:
            self._lock_conn = conn
        else:
            conn.close()
        return held

    def _holding(self) -> bool:
        if self._lock_engine is None:
            return self._lock_fd is not None  # a flock lasts as long as its descriptor
        if self._lock_conn is None:
            return False
        try:
            self._lock_conn.execute(text("SELECT 1"))
            self._lock_conn.commit()
        except Exception:
            log.exception("leader election: lost the lock connection")
            return False
        return True

    def _lead(self) -> None:
        log.info("scheduler: this process is the leader")
        self.leader.set()
        # Catch up at once: a scan missed while no one led should not wait for tomorrow, nor
        # a scale that fell silent meanwhile for the next liveness pass.
        for job_id in (DUE_SCAN_JOB, LIVENESS_JOB):
            self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
        self.scheduler.resume()

    def _follow(self) -> None:
        log.warning("scheduler: leadership lost, pausing jobs")
        self.scheduler.pause()
        self.leader.clear()
        self._release()

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None
        if self._lock_conn is not None:
            try:
                self._lock_conn.close()  # closing the session releases the advisory lock
            except Exception:
                log.exception("leader election: closing the lock connection failed")
            self._lock_conn = None


def start_scheduler(
    *, engine: Engine, settings: Settings, clock: Clock = utcnow
) -> SchedulerService:
    """Start the scheduler service (called by `serve` and `scheduler`)."""
    service = SchedulerService(engine=engine, settings=settings, clock=clock)
    service.start()
    return service


def stop_scheduler(service: SchedulerService) -> None:
    """Stop a scheduler service started by start_scheduler."""
    service.stop()
