"""Two `metrology-svc scheduler` processes on PostgreSQL: one leads; kill -9 it, the other leads.

They run in a private database (advisory locks are per database, so other runs on the same
server cannot hold this lock); leadership is read from pg_locks and from their log lines.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, database_ready
from schedules.scheduler import LEADER_LOCK_KEY
from tests.conftest import PG_URL
from tests.mqtt_broker import free_port
from tests.services import missing

LEADER_LINE = "scheduler: this process is the leader"


@pytest.fixture
def private_database() -> Iterator[str]:
    """Create a migrated database of its own on the test server; return its URL."""
    if not PG_URL:
        missing("METROLOGY_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    server = build_engine(PG_URL, busy_timeout_ms=0)
    if not database_ready(server):
        missing(f"PostgreSQL not reachable at {PG_URL}")
    name = f"sched_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    auto = server.execution_options(isolation_level="AUTOCOMMIT")
    with auto.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    try:
        prepare_database(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with auto.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("metrology-svc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "metrology_svc"]


class Replica:
    """One `metrology-svc scheduler` process, its JSON log lines in a file."""

    def __init__(self, name: str, *, url: str, workdir: Path) -> None:
        self.log_path = workdir / f"{name}.log"
        self.metrics_port = free_port()
        env = os.environ | {
            "METROLOGY_DATABASE_URL": url,
            "METROLOGY_DATA_DIR": str(workdir),
            "METROLOGY_STAMP_KEY_DIR": str(workdir / "keys"),
            "METROLOGY_SCHEDULER_LEADER_RETRY_SECONDS": "0.3",
            "METROLOGY_LOG_JSON": "true",
            "METROLOGY_METRICS_PORT": str(self.metrics_port),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*_cli(), "scheduler"], stdout=log, stderr=log, env=env, cwd=workdir
            )

    def messages(self) -> list[str]:
        """Return the messages of its JSON log lines so far."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                found.append(str(json.loads(line).get("message", "")))
        return found

    def leads(self) -> bool:
        """Tell whether it has said it leads."""
        return LEADER_LINE in self.messages()

    def job_runs(self, job: str) -> float:
        """Read metrology_job_runs_total for a job from its /metrics port."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text_ = answer.read().decode()
        found = re.search(rf'^metrology_job_runs_total{{job="{job}"}} (\S+)$', text_, re.M)
        return float(found.group(1)) if found else 0.0

    def stop(self) -> None:
        """End the process if it still runs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _lock_holders(engine: Engine) -> list[int]:
    """Return the server pids holding the leader lock in this database."""
    high, low = LEADER_LOCK_KEY >> 32, LEADER_LOCK_KEY & 0xFFFFFFFF
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() "
                "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"
            ),
            {"high": high, "low": low},
        )
        return [int(r[0]) for r in rows]


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll until the condition holds or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _has_run(replica: Replica, job: str) -> bool:
    return replica.job_runs(job) >= 1


def test_a_follower_process_takes_over_within_seconds_of_kill_9(
    private_database: str, tmp_path: Path
) -> None:
    observer = build_engine(private_database)
    replicas = [Replica(n, url=private_database, workdir=tmp_path) for n in ("a", "b")]
    try:
        assert wait_for(lambda: any(r.leads() for r in replicas), timeout=60), [
            r.log_path.read_text()[-2000:] for r in replicas
        ]
        # Both run; exactly one leads, and the database agrees.
        time.sleep(1.5)  # several election rounds of the follower
        leaders = [r for r in replicas if r.leads()]
        assert len(leaders) == 1
        assert all(r.process.poll() is None for r in replicas)
        assert len(_lock_holders(observer)) == 1
        leader = leaders[0]
        follower = next(r for r in replicas if r is not leader)
        # The leader ran the catch-up due scan and liveness pass at once (its own /metrics
        # says so); not the other.
        for job in ("due_scan", "liveness"):
            assert wait_for(partial(_has_run, leader, job), timeout=10), job
            assert follower.job_runs(job) == 0, job

        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)
        killed_at = time.monotonic()
        assert wait_for(follower.leads, timeout=10), follower.log_path.read_text()[-2000:]
        took = time.monotonic() - killed_at
        assert took < 10
        assert wait_for(lambda: follower.job_runs("due_scan") >= 1, timeout=10)
        assert wait_for(lambda: follower.job_runs("liveness") >= 1, timeout=10)
        assert wait_for(lambda: len(_lock_holders(observer)) == 1, timeout=5)
    finally:
        for replica in replicas:
            replica.stop()
        observer.dispose()
