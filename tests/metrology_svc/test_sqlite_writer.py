"""SQLite's one writer: a second writer waits its turn, reads never wait, the bound is a 503."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from metrology_svc.app import create_app
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.settings import Settings
from metrology_svc.sqlite_writer import FifoLock, database_busy, writes
from tests.factories import World, make_world


@pytest.fixture
def counter_db(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file with one table of numbers."""
    engine = build_engine(f"sqlite:///{tmp_path / 'c.db'}", busy_timeout_ms=5000)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE n (v INTEGER)"))
    yield engine
    engine.dispose()


def _values(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT v FROM n ORDER BY v"))]


def test_a_second_writer_that_read_first_waits_for_the_first(counter_db: Engine) -> None:
    # The failure seen in production: B reads, A writes and commits, B writes. With a deferred
    # BEGIN, B's snapshot was stale and SQLite refused B at once ("database is locked").
    outcome: dict[str, object] = {}
    a_wrote, b_read = threading.Event(), threading.Event()

    def second() -> None:
        with new_session(counter_db) as b:
            b.execute(text("SELECT count(*) FROM n")).one()
            b_read.set()
            a_wrote.wait(5)
            started = time.monotonic()
            try:
                b.execute(text("INSERT INTO n VALUES (2)"))
                b.commit()
                outcome["waited"] = time.monotonic() - started
            except OperationalError as exc:  # the bug this guards against
                outcome["error"] = exc

    with new_session(counter_db) as a:
        thread = threading.Thread(target=second)
        thread.start()
        assert b_read.wait(5)
        a.execute(text("INSERT INTO n VALUES (1)"))
        a_wrote.set()
        time.sleep(0.3)  # B is parked on the writer lock meanwhile, not failing
        assert thread.is_alive()
        a.commit()
    thread.join(5)
    assert "error" not in outcome
    assert isinstance(outcome["waited"], float)
    assert outcome["waited"] >= 0.25
    assert _values(counter_db) == [1, 2]


def test_reads_do_not_wait_for_the_writer(counter_db: Engine) -> None:
    with new_session(counter_db) as writer:
        writer.execute(text("INSERT INTO n VALUES (7)"))  # holds the writer, uncommitted
        started = time.monotonic()
        with new_session(counter_db) as reader:
            assert reader.execute(text("SELECT count(*) FROM n")).scalar_one() == 0
        assert time.monotonic() - started < 0.5
        writer.commit()
    assert _values(counter_db) == [7]


def test_a_writer_in_another_process_is_waited_for(counter_db: Engine) -> None:
    other = sqlite3.connect(
        str(counter_db.url.database), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO n VALUES (1)")
    threading.Timer(0.4, other.execute, args=("COMMIT",)).start()
    with new_session(counter_db) as session:
        session.execute(text("INSERT INTO n VALUES (2)"))
        session.commit()
    other.close()
    assert _values(counter_db) == [1, 2]


def test_the_lock_is_handed_on_in_arrival_order_and_a_wait_is_bounded() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=0)
    order: list[int] = []

    def waiter(n: int) -> None:
        assert lock.acquire(timeout=5)
        order.append(n)
        lock.release()

    threads = [threading.Thread(target=waiter, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # arrive one after the other
    started = time.monotonic()
    assert not _acquire_in_thread(lock, timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2
    lock.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(timeout=0)  # nobody left holding it


def _acquire_in_thread(lock: FifoLock, *, timeout: float) -> bool:
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=timeout)))
    t.start()
    t.join(5)
    return got[0]


def test_an_event_loop_is_never_parked_on_the_lock() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=0)

    async def on_the_loop() -> float:
        started = time.monotonic()
        assert not lock.acquire(timeout=5)
        return time.monotonic() - started

    assert asyncio.run(on_the_loop()) < 0.5
    lock.release()


def test_a_parked_worker_thread_lends_its_slot_to_the_pool() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=0)

    async def main() -> tuple[float, float, float]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        before = limiter.total_tokens
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, lambda: lock.acquire(timeout=5))
            while limiter.total_tokens == before:
                await anyio.sleep(0.01)
            during = limiter.total_tokens
            lock.release()
        await anyio.sleep(0.05)
        return before, during, limiter.total_tokens

    before, during, after = anyio.run(main)
    assert (during, after) == (before + 1, before)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("SELECT 1", False),
        ("  select * from n", False),
        ("EXPLAIN QUERY PLAN SELECT 1", False),
        ("PRAGMA table_info(n)", False),
        ("PRAGMA user_version=3", True),
        ("INSERT INTO n VALUES (1)", True),
        ("UPDATE audit_record SET seq = seq WHERE id < 0", True),
        ("DELETE FROM n", True),
        ("SAVEPOINT sa_savepoint_1", True),
        ("CREATE TABLE t (x INTEGER)", True),
        ("WITH x AS (SELECT 1) INSERT INTO n SELECT * FROM x", True),
    ],
)
def test_which_statements_make_a_transaction_the_writer(statement: str, expected: bool) -> None:
    assert writes(statement, None) is expected


def test_busy_errors_are_told_from_other_operational_errors() -> None:
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5
    assert database_busy(OperationalError("INSERT", {}, locked))
    assert not database_busy(OperationalError("SELECT", {}, sqlite3.OperationalError("no table")))
    assert not database_busy(ValueError("database is locked"))


@pytest.fixture
def app_on_file(tmp_path: Path) -> Iterator[tuple[Engine, World, TestClient]]:
    """The app on a SQLite file whose writes may wait only 300 ms, and the test world."""
    engine = build_engine(f"sqlite:///{tmp_path / 'app.db'}", busy_timeout_ms=300)
    prepare_database(engine)
    with new_session(engine) as session:
        world = make_world(session)
        session.commit()
    settings = Settings(data_dir=tmp_path, stamp_key_dir=tmp_path / "keys")
    app = create_app(settings=settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield engine, world, client
    engine.dispose()


@pytest.mark.parametrize("holder", ["this process", "another process"])
def test_a_writer_held_past_the_bound_is_a_503_with_retry_after(
    app_on_file: tuple[Engine, World, TestClient], holder: str
) -> None:
    engine, world, client = app_on_file
    if holder == "this process":
        held = new_session(engine)
        held.execute(text("UPDATE owner SET name = name WHERE id < 0"))
        release = held.close
    else:
        other = sqlite3.connect(str(engine.url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        release = other.close
    try:
        r = client.post("/api/v1/owners", json={"name": "Hộ bận"}, headers=world.auth("admin"))
    finally:
        release()
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    error = r.json()["error"]
    assert error["code"] == "database_busy"
    assert error["message_vi"].startswith("Cơ sở dữ liệu đang bận")
    again = client.post("/api/v1/owners", json={"name": "Hộ bận"}, headers=world.auth("admin"))
    assert again.status_code == 201, again.text
