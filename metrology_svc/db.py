"""Engine and session factory; SQLite gets WAL, a busy timeout and one writer taken up front."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from metrology_svc.sqlite_writer import FifoLock, WriterConnection, writer_lock_for, writes

SQLITE_MMAP_BYTES = 256 * 1024 * 1024
SQLITE_POOL_SIZE = 20  # connections kept open; more are opened (and closed after) on demand


def build_engine(url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> Engine:
    """Create an engine for the URL; SQLite files get their directory, WAL and busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # The pool never makes a thread wait (no overflow limit): a request checks out its
    # connection when it authenticates and keeps it while it waits for a worker thread for its
    # endpoint, so a bounded pool (5 + 10) deadlocked under 200 concurrent requests: every
    # worker thread waited for a connection, every connection for a worker (30 s, then 500).
    # A SQLite connection is an open file, and writers queue on the writer lock anyway.
    engine = create_engine(
        url,
        echo=echo,
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=-1,
        connect_args={
            "check_same_thread": False,
            "timeout": busy_timeout_ms / 1000,
            "factory": WriterConnection,
        },
    )
    _make_sqlite_transactional(
        engine, busy_timeout_ms=busy_timeout_ms, lock=writer_lock_for(parsed.database)
    )
    return engine


def _make_sqlite_transactional(
    engine: Engine, *, busy_timeout_ms: int, lock: FifoLock | None
) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the SQLAlchemy
    # docs' recipe hands transaction control to SQLAlchemy instead. Here the BEGIN itself is
    # left until the first statement that writes, and is BEGIN IMMEDIATE: a deferred
    # transaction that read first fails at once ("database is locked", no busy wait) when it
    # turns writer while another connection writes. See metrology_svc/sqlite_writer.py.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_lock = lock  # one per database file and process
        dbapi_connection.busy_timeout_ms = int(busy_timeout_ms)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Read pages through a memory map instead of a system call each: the public stamp
        # check is one indexed read, and on this kind of host a read() costs more than it.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _writer_first(
        _conn: Any, cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        # Reads before the first write run outside any transaction (each sees the latest
        # commit, as under PostgreSQL's READ COMMITTED) and never wait for the writer.
        raw = cursor.connection
        if not raw.in_transaction and writes(statement, context):
            raw.begin_write()


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def new_session(engine: Engine) -> Session:
    """Open a session that the caller (the unit-of-work owner) commits and closes."""
    return Session(engine, expire_on_commit=False)


def database_ready(engine: Engine) -> bool:
    """Tell whether the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
