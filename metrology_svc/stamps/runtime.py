"""What stamps need for the life of one app: keys, rate limits, the scan buffer, the reader."""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any, cast

import anyio
from fastapi import Depends, Request
from sqlalchemy import Dialect, Engine, create_engine
from sqlmodel import Session

from metrology_svc.core.ratelimit import TokenBuckets
from metrology_svc.deps import get_today
from metrology_svc.settings import Settings
from metrology_svc.stamps.checking import Check, check_code, write_scans
from metrology_svc.stamps.keys import KeyRing, keyring_for
from metrology_svc.stamps.repository import stamp_view
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

    def close(self) -> None:
        """Release the reader's connections."""
        if self.reader is not None:
            self.reader.dispose()

    async def check_async(self, code: str, *, today: date) -> Check:
        """Check a code from the event loop: inline on SQLite, in a worker thread otherwise."""
        # SQLite answers a primary-key lookup from its page cache in tens of microseconds, less
        # than a hop to the thread pool costs; a networked database would stall the loop.
        if self.engine is None or self.engine.dialect.name == "sqlite":
            return self.check(code, today=today)
        return await anyio.to_thread.run_sync(partial(self.check, code, today=today))

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
