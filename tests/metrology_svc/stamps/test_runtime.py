"""The public check's database read: an autocommit reader on PostgreSQL that survives a drop."""

import asyncio
from datetime import date

from sqlalchemy import Engine, text

from metrology_svc.db import new_session
from metrology_svc.settings import Settings
from metrology_svc.stamps.keys import code_for
from metrology_svc.stamps.rules import State, TokenFields
from metrology_svc.stamps.runtime import build_runtime

TODAY = date(2026, 11, 22)


def test_reader_is_autocommit_on_postgres_and_absent_on_sqlite(
    engine: Engine, settings: Settings
) -> None:
    runtime = build_runtime(settings, lambda: new_session(engine))
    try:
        if engine.dialect.name == "sqlite":
            assert runtime.reader is None
            return
        assert runtime.reader is not None
        raw = runtime.reader.raw_connection()
        try:
            assert raw.driver_connection.autocommit is True  # type: ignore[union-attr]
        finally:
            raw.close()
    finally:
        runtime.close()


def test_a_dropped_reader_connection_is_replaced(engine: Engine, settings: Settings) -> None:
    runtime = build_runtime(settings, lambda: new_session(engine))
    # Signed but never issued: the check must reach the database to say "unknown".
    code = code_for(runtime.ring, TokenFields(runtime.ring.active(), 987_654, 1, date(2028, 1, 1)))
    try:
        assert runtime.check(code, today=TODAY).state is State.UNKNOWN
        if runtime.reader is None:
            return  # SQLite: no server connection to drop
        with engine.connect() as admin:
            killed = admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state = 'idle' AND query LIKE '%stamp%'"
                )
            ).scalar()
        assert killed is not None
        assert killed >= 1
        assert runtime.check(code, today=TODAY).state is State.UNKNOWN
    finally:
        runtime.close()


def _kill_idle_stamp_readers(engine: Engine) -> int:
    with engine.connect() as admin:
        killed = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state = 'idle' AND query LIKE '%stamp%'"
            )
        ).scalar()
    return int(killed or 0)


def test_the_event_loop_reader_answers_and_survives_a_dropped_connection(
    engine: Engine, settings: Settings
) -> None:
    runtime = build_runtime(settings, lambda: new_session(engine))
    code = code_for(runtime.ring, TokenFields(runtime.ring.active(), 987_654, 1, date(2028, 1, 1)))
    try:
        if engine.dialect.name == "sqlite":
            assert runtime.async_reader is None
            return
        assert runtime.async_reader is not None

        async def scenario() -> None:
            assert (await runtime.check_async("not a code", today=TODAY)).state is State.MALFORMED
            assert (await runtime.check_async(code, today=TODAY)).state is State.UNKNOWN
            assert _kill_idle_stamp_readers(engine) >= 1
            assert (await runtime.check_async(code, today=TODAY)).state is State.UNKNOWN

        asyncio.run(scenario())
        # Another event loop (a second test client, say) gets its own connections.
        assert asyncio.run(runtime.check_async(code, today=TODAY)).state is State.UNKNOWN
    finally:
        runtime.close()
