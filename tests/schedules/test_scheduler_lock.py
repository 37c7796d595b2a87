"""On SQLite one scheduler leads: an exclusive lock file, not "every process is the leader"."""

import logging
from pathlib import Path

import pytest

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine
from metrology_svc.settings import Settings
from schedules.scheduler import SchedulerService, start_scheduler, stop_scheduler
from tests.schedules.test_scheduler import wait_for


def test_one_sqlite_scheduler_leads_and_a_follower_takes_over(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'lead.db'}")
    prepare_database(engine)
    fast = settings.model_copy(update={"scheduler_leader_retry_seconds": 0.1})
    caplog.set_level(logging.INFO, logger="schedules.scheduler")
    first = start_scheduler(engine=engine, settings=fast)
    second: SchedulerService | None = None
    try:
        assert wait_for(first.leader.is_set)
        second = start_scheduler(engine=engine, settings=fast)
        # The follower keeps trying; it must not lead while the first holds the lock file.
        assert not wait_for(second.leader.is_set, timeout=1.0)
        assert "this process follows" in caplog.text
        assert (fast.data_dir / "scheduler.lock").exists()
        stop_scheduler(first)
        assert wait_for(second.leader.is_set)
    finally:
        if not first._stop.is_set():
            stop_scheduler(first)
        if second is not None:
            stop_scheduler(second)
        engine.dispose()
