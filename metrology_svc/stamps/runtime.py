"""What stamps need for the life of one app: keys, rate limits, the scan buffer, the reader."""

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Annotated, Any, cast

import anyio
import psycopg
from fastapi import Depends, Request
from sqlalchemy import Dialect, Engine, create_engine
from sqlmodel import Session

from metrology_svc.core.ratelimit import TokenBuckets
from metrology_svc.deps import get_today
from metrology_svc.settings import Settings
from metrology_svc.stamps import rules
from metrology_svc.stamps.checking import Check, check_code, staff_scan, write_scans
from metrology_svc.stamps.keys import KeyRing, keyring_for
from metrology_svc.stamps.repository import StampView, stamp_view, stamp_view_async
from metrology_svc.stamps.scanlog import ScanBuffer, ScanRecord


@dataclass
class StampRuntime:
    """The per-app holder the stamp routes use (built in create_app, never at import)."""

    settings: Settings
    ring: KeyRing
    buckets: TokenBuckets
    scans: ScanBuffer
    session_factory: Callable[[], Session]
    engine: Engine | None  # None: sessions are bound to one connection (tests)

    reader: Engine | None = None  # PostgreSQL: autocommit pool for the one-row public read
    async_reader: "AsyncReader | None" = None  # psycopg: the same read on the event loop
    # SQLite: one pooled connection the event loop keeps for its reads (opened on first use).
    _loop_sqlite: Any = field(default=None, init=False, repr=False)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[tuple[Any, Dialect]]:
        # A DB-API connection straight from the pool when the app's sessions use an engine:
        # a Session (or even a Connection) around one read costs about as much as the read.
        engine = self.reader or self.engine
        if engine is not None:
            raw = engine.raw_connection()
            try:
                yield raw, engine.dialect
            except engine.dialect.loaded_dbapi.OperationalError:
                raw.invalidate()  # a dead server connection: never hand it out again
                raise
            finally:
                raw.close()  # back to the pool (which rolls back, except on the reader)
            return
        with self.session_factory() as session:
            conn = session.connection()
            yield conn.connection.driver_connection, conn.dialect

    def check(self, code: str, *, today: date) -> Check:
        """Check a code against the keys and the database (once more on a dropped connection)."""
        if self.reader is None:
            return self._check_once(code, today=today)
        try:
            return self._check_once(code, today=today)
        except self.reader.dialect.loaded_dbapi.OperationalError:
            return self._check_once(code, today=today)

    def _check_once(self, code: str, *, today: date) -> Check:
        with self._connection() as (conn, dialect):
            return check_code(
                partial(stamp_view, conn, dialect),
                self.ring,
                code,
                today=today,
                expiring_days=self.settings.stamp_expiring_days,
            )

    def _check_sqlite_on_loop(self, engine: Engine, code: str, *, today: date) -> Check:
        # Kept, not taken from the pool and given back for each check: that round costs a
        # few µs, and the pool hands out its connections in turn, each with its own cache.
        # The connection never opens a transaction (pysqlite with BEGIN left to SQLAlchemy):
        # every read sees the latest commit. Any error closes it; the next check opens one.
        raw = self._loop_sqlite
        if raw is None:
            raw = self._loop_sqlite = engine.raw_connection()
        try:
            return check_code(
                partial(stamp_view, raw.driver_connection, engine.dialect),
                self.ring,
                code,
                today=today,
                expiring_days=self.settings.stamp_expiring_days,
            )
        except engine.dialect.loaded_dbapi.Error:
            self._loop_sqlite = None
            raw.invalidate()
            raise

    def close(self) -> None:
        """Release the readers' connections."""
        if self._loop_sqlite is not None:
            self._loop_sqlite.close()
            self._loop_sqlite = None
        if self.reader is not None:
            self.reader.dispose()
        if self.async_reader is not None:
            self.async_reader.close()

    async def check_async(self, code: str, *, today: date) -> Check:
        """Check a code from the event loop: inline on SQLite, on the loop's own connections
        with psycopg, in a worker thread otherwise."""
        # SQLite answers a primary-key lookup from its page cache in tens of microseconds, less
        # than a hop to the thread pool costs; a networked database would stall the loop.
        if self.engine is None:
            return self.check(code, today=today)
        if self.engine.dialect.name == "sqlite":
            return self._check_sqlite_on_loop(self.engine, code, today=today)
        if self.async_reader is not None:
            view = await self._prefetch(self.async_reader, code)
            return check_code(
                lambda _stamp_id: view,
                self.ring,
                code,
                today=today,
                expiring_days=self.settings.stamp_expiring_days,
            )
        return await anyio.to_thread.run_sync(partial(self.check, code, today=today))

    async def _prefetch(self, reader: "AsyncReader", code: str) -> StampView | None:
        # The row check_code will ask for, read first: nothing for a code that is not a code
        # or names a key we do not have (check_code decides those without the database).
        try:
            fields = rules.decode_code(code)[0]
        except rules.MalformedCode:
            return None
        if not self.ring.knows(fields.key_id):
            return None
        return await reader.view(self.engine_dialect, fields.stamp_id)

    @property
    def engine_dialect(self) -> Dialect:
        """Return the dialect of the app's database."""
        assert self.engine is not None
        return self.engine.dialect

    async def staff_scan(
        self, request: Request, latitude: float | None, longitude: float | None
    ) -> bool:
        """Return whether a scan with a position came with an inspector's or admin's token
        (checking.staff_scan); a scan without a position is never looked up."""
        header = request.headers.get("authorization")
        if latitude is None or longitude is None or not header:
            return False
        if self.engine is None:  # sessions bound to one connection (tests): not from a thread
            return staff_scan(self.session_factory, header)
        return await anyio.to_thread.run_sync(staff_scan, self.session_factory, header)

    def log_scan(self, record: ScanRecord) -> None:
        """Queue a scan; without a flush interval, write it at once."""
        self.scans.add(record)
        if self.settings.stamp_scan_flush_seconds <= 0:
            self.scans.flush()


def _engine_of(session_factory: Callable[[], Session]) -> Engine | None:
    probe = session_factory()  # a Session touches no database until used
    try:
        bind = probe.bind
    finally:
        probe.close()
    return bind if isinstance(bind, Engine) else None


def build_runtime(settings: Settings, session_factory: Callable[[], Session]) -> StampRuntime:
    """Build the stamp runtime for an app."""
    clone_km = settings.stamp_clone_distance_km
    engine = _engine_of(session_factory)

    def writer(session: Session, batch: list[ScanRecord]) -> None:
        write_scans(session, batch, clone_km=clone_km)

    return StampRuntime(
        settings=settings,
        ring=keyring_for(settings),
        buckets=TokenBuckets(
            rate=settings.stamp_verify_rate_per_s, burst=settings.stamp_verify_burst
        ),
        scans=ScanBuffer(
            session_factory=session_factory,
            writer=writer,
            max_size=settings.stamp_scan_buffer_max,
        ),
        session_factory=session_factory,
        engine=engine,
        reader=_reader_for(engine),
        async_reader=_async_reader_for(engine),
    )


def _reader_for(engine: Engine | None) -> Engine | None:
    """Return an autocommit engine for the public read on a server database, else None.

    Each checkout of the app's pool costs a pre-ping and each return a rollback: two round
    trips around a one-row read. An autocommit connection holds no transaction, so it needs
    neither; a connection the server dropped fails the read, is invalidated and retried once.
    """
    if engine is None or engine.dialect.name == "sqlite":
        return None
    return create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,
        pool_reset_on_return=None,
        pool_size=8,
        max_overflow=8,
    )


ASYNC_READER_CONNECTIONS = 8


class AsyncReader:
    """Autocommit psycopg connections for the public read, used on the event loop itself.

    Through a worker thread each check pays the hop, and after every wait for the server the
    thread has to win the GIL back from a busy event loop (up to the 5 ms switch interval):
    at 1,000 checks a second on PostgreSQL the queue behind that made the p99 hundreds of ms.
    An async connection waits for the server on the loop. At most `size` reads run at once;
    idle connections are reused newest first; one that fails is closed and the read retried
    once on a new one (a server restart or a dropped connection costs one reconnect).
    Connections belong to the loop that opened them: another loop (a test client's) starts
    afresh.
    """

    def __init__(self, conninfo: str, *, size: int = ASYNC_READER_CONNECTIONS) -> None:
        self.conninfo, self.size = conninfo, size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)

    async def view(self, dialect: Dialect, stamp_id: int) -> StampView | None:
        """Return the stamp's view (None when there is no such stamp)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self.close()
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        async with self._slots:
            try:
                return await self._view_once(dialect, stamp_id)
            except psycopg.OperationalError:
                self.close()  # the server went away: its other connections are gone too
                return await self._view_once(dialect, stamp_id)

    async def _view_once(self, dialect: Dialect, stamp_id: int) -> StampView | None:
        if self._idle:
            conn = self._idle.pop()
        else:
            conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        try:
            view = await stamp_view_async(conn, dialect, stamp_id)
        except BaseException:
            conn.pgconn.finish()  # failed or cancelled mid-read: its state is unknown
            raise
        self._idle.append(conn)
        return view

    def close(self) -> None:
        """Close the idle connections (those in use are closed when their read fails)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()


def _async_reader_for(engine: Engine | None) -> AsyncReader | None:
    """Return an event-loop reader for a PostgreSQL database reached through psycopg."""
    if engine is None or engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    url = engine.url.set(drivername="postgresql")
    return AsyncReader(url.render_as_string(hide_password=False))


def runtime_of(request: Request) -> StampRuntime:
    """Return the stamp runtime of the request's app."""
    return cast(StampRuntime, request.app.state.stamps)


def today_of(request: Request) -> date:
    """Return today as TodayDep would, honouring test overrides, without a thread-pool hop.

    FastAPI runs every plain-function dependency in the thread pool; on the public check that
    hop costs more than the rest of the request's own work.
    """
    override = request.app.dependency_overrides.get(get_today, get_today)
    return cast(date, override())


RuntimeDep = Annotated[StampRuntime, Depends(runtime_of)]
