"""SQLite's one writer: taken up front, at a transaction's first write, and waited for in turn.

SQLite lets one connection write at a time. With a deferred BEGIN a transaction starts as a
reader and asks for the write lock at its first INSERT/UPDATE; if another connection holds it,
or committed since this one's first read, SQLite answers "database is locked" at once: the
busy timeout is not applied to a reader turning writer, because waiting could deadlock. That
was the HTTP 500 seen 18–52 ms into a concurrent import.

So on SQLite (see metrology_svc/db.py):

- No transaction is opened for reads. Each SELECT before a unit of work's first write runs
  on its own and sees the latest commit, as PostgreSQL's default READ COMMITTED does, so code
  that is right in production is right here. Reads never wait for a writer (WAL).
- The first statement that writes (INSERT, UPDATE, DELETE, DDL, SAVEPOINT...) is preceded by
  BEGIN IMMEDIATE, which takes the write lock before anything is read inside the transaction,
  so waiting for it is safe and bounded.
- Within one process the writers queue on a first-come, first-served lock for the database
  file, handed straight to the next waiter at COMMIT or ROLLBACK. Across processes (a CLI
  command beside `serve`) SQLite's own lock decides; its busy handler sleeps longer and longer
  between tries (up to 100 ms) and would lose to a busy process's quick hand-offs, so
  BEGIN IMMEDIATE is retried in short slices instead.
- Whoever waits longer than the bound (the busy timeout) gets "database is locked", which the
  HTTP layer answers with 503 and Retry-After; the MQTT writer and the scan log retry.
"""

import asyncio
import collections
import contextlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
# A BEGIN IMMEDIATE that finds another process writing is retried every few ms (SQLite tries
# at 0, 1, 3 and 8 ms within each slice), not at SQLite's 100 ms once it has waited a while.
POLL_SLICE_MS = 10
_DML = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class FifoLock:
    """A lock handed to its waiters in arrival order; any thread may release it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def acquire(self, *, timeout: float) -> bool:
        """Take the lock, waiting at most `timeout` seconds; tell whether it was taken."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            if _on_event_loop():
                # Never park an event loop (a scan written at once, METROLOGY_STAMP_SCAN_FLUSH_
                # SECONDS=0): every request would stop, and the holder may need the loop to end.
                return False
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        give_back = lend_worker_slot()
        try:
            if gate.acquire(timeout=max(timeout, 0.0)):
                return True  # released to this waiter by release()
            with self._mutex:
                if gate in self._waiters:
                    self._waiters.remove(gate)
                    return False
            return True  # handed over just as the wait ran out: the lock is ours after all
        finally:
            give_back()

    def release(self) -> None:
        """Hand the lock to the longest waiter, or free it."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # ownership passes: stays held
            else:
                self._held = False


def lend_worker_slot() -> Callable[[], None]:
    """Give a waiting AnyIO worker thread's slot back to its pool; return how to take it back.

    FastAPI runs sync endpoints on 40 worker threads, and validates a sync endpoint's response
    on one more before the request's session commits. Writers parked on the lock held those
    40 slots while the writer that held it waited for a slot to finish on: under 200
    concurrent writes every write then waited out the busy timeout, in waves. A parked writer
    lends its slot instead; other threads (MQTT writer, scheduler, CLI) have none to lend.
    """
    try:
        from anyio import from_thread

        limiter, loop = from_thread.run_sync(_grow_default_limiter)
    except Exception:  # not an AnyIO worker thread, or its event loop is gone
        return _nothing

    def take_back() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing to undo
            loop.call_soon_threadsafe(_shrink, limiter)  # no need to wait for the loop

    return take_back


def _grow_default_limiter() -> tuple[Any, asyncio.AbstractEventLoop]:
    from anyio import to_thread

    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens += 1
    return limiter, asyncio.get_running_loop()


def _shrink(limiter: Any) -> None:
    limiter.total_tokens -= 1


def _nothing() -> None:
    return None


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


_locks: dict[str, FifoLock] = {}
_locks_guard = threading.Lock()


def writer_lock_for(database: str | None) -> FifoLock | None:
    """Return the process's writer lock for a database file (None for an in-memory one)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = os.path.realpath(database)
    with _locks_guard:
        return _locks.setdefault(key, FifoLock())


def busy_error(detail: str) -> sqlite3.OperationalError:
    """Return the error SQLite itself raises when its lock was not had in time."""
    exc = sqlite3.OperationalError(f"database is locked ({detail})")
    exc.sqlite_errorcode = SQLITE_BUSY
    exc.sqlite_errorname = "SQLITE_BUSY"
    return exc


def database_busy(exc: BaseException) -> bool:
    """Tell whether an error (SQLAlchemy's or sqlite3's) means SQLite was locked: try again."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "is locked" in str(orig)


class WriterConnection(sqlite3.Connection):
    """A pysqlite connection that becomes the writer on demand and lets go when it ends."""

    writer_lock: FifoLock | None = None
    busy_timeout_ms = 5000
    _holds_lock = False

    def begin_write(self) -> None:
        """Open a write transaction (BEGIN IMMEDIATE), waiting at most the busy timeout."""
        wait_s = self.busy_timeout_ms / 1000
        deadline = time.monotonic() + wait_s
        lock = self.writer_lock
        if lock is not None and not self._holds_lock:
            if not lock.acquire(timeout=wait_s):
                raise busy_error(f"another write in this process held it past {wait_s:g} s")
            self._holds_lock = True
        try:
            self._begin_immediate(deadline)
        except BaseException:
            self._release_lock()
            raise

    def _begin_immediate(self, deadline: float) -> None:
        self.execute(f"PRAGMA busy_timeout={POLL_SLICE_MS}")
        try:
            while True:
                try:
                    self.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not database_busy(exc) or time.monotonic() >= deadline:
                        raise
        finally:
            # Reads keep the full timeout (they wait only while a crashed WAL is recovered).
            self.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")

    def commit(self) -> None:
        """Commit, then hand the writer lock on."""
        try:
            super().commit()
        finally:
            self._release_when_done()

    def rollback(self) -> None:
        """Roll back, then hand the writer lock on."""
        try:
            super().rollback()
        finally:
            self._release_when_done()

    def close(self) -> None:
        """Close (SQLite rolls back what was open), then hand the writer lock on."""
        try:
            super().close()
        finally:
            self._release_lock()

    def _release_when_done(self) -> None:
        # A COMMIT that failed leaves the transaction open: the lock goes with its ROLLBACK.
        if self._holds_lock and not self.in_transaction:
            self._release_lock()

    def _release_lock(self) -> None:
        if self._holds_lock and self.writer_lock is not None:
            self._holds_lock = False
            self.writer_lock.release()


def writes(statement: str, context: Any) -> bool:
    """Tell whether a statement may write, so its transaction must first become the writer."""
    head = statement.lstrip()[:8].upper()
    if head.startswith(("SELECT", "EXPLAIN")):
        # Also SELECT ... FOR UPDATE (SQLite's dialect drops the clause): SQLite runs one
        # scheduler, and the writer lock taken there would be held across a notice's sending.
        return False
    if head.startswith("PRAGMA"):
        return "=" in statement
    if head.startswith("WITH"):
        element = getattr(getattr(context, "compiled", None), "statement", None)
        return not getattr(element, "is_select", False) or bool(_DML.search(statement))
    return True  # INSERT, UPDATE, DELETE, REPLACE, DDL, SAVEPOINT, text() of any of them
