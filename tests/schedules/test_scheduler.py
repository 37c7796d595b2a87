"""The scheduler: explicit job ids and defaults, and one leader among PostgreSQL replicas."""

import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from metrology_svc.core.clock import utcnow
from metrology_svc.settings import Settings
from schedules.scheduler import (
    DISPATCH_JOB,
    DUE_SCAN_JOB,
    LIVENESS_JOB,
    SchedulerService,
    build_scheduler,
    start_scheduler,
    stop_scheduler,
)
from tests.factories import World


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_jobs_have_ids_and_run_one_at_a_time(settings: Settings) -> None:
    def no_session() -> Session:
        raise AssertionError("not called")

    scheduler = build_scheduler(sessions=no_session, settings=settings, clock=utcnow)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {DUE_SCAN_JOB, LIVENESS_JOB, DISPATCH_JOB}
    # Alerts within minutes, not at the daily scan: the interval is the setting.
    assert jobs[LIVENESS_JOB].trigger.interval.total_seconds() == (
        settings.liveness_interval_minutes * 60
    )
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == settings.scheduler_misfire_grace_hours * 3600
    assert str(scheduler.timezone) == "UTC"


def test_one_leader_and_a_follower_takes_over(
    committed_pg: tuple[Engine, World], settings: Settings
) -> None:
    engine, _world = committed_pg
    fast = settings.model_copy(update={"scheduler_leader_retry_seconds": 0.1})
    first = start_scheduler(engine=engine, settings=fast)
    second: SchedulerService | None = None
    try:
        assert wait_for(first.leader.is_set)
        second = start_scheduler(engine=engine, settings=fast)
        # The follower keeps trying; it must not lead while the first one holds the lock.
        assert not wait_for(second.leader.is_set, timeout=1.0)
        stop_scheduler(first)
        assert wait_for(second.leader.is_set)
    finally:
        if not first._stop.is_set():
            stop_scheduler(first)
        if second is not None:
            stop_scheduler(second)
