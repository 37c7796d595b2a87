"""Reaching the real parts tests need; a missing part skips on a laptop and fails in CI."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from metrology_svc.db import build_engine, database_ready

REQUIRE_SERVICES = os.environ.get("METROLOGY_REQUIRE_SERVICES", "") == "1"


def missing(reason: str) -> None:
    """Skip the test for a missing part, or fail it when CI requires every part."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (METROLOGY_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


@contextmanager
def private_postgres(prefix: str, url: str | None = None) -> Iterator[Engine]:
    """An engine on a PostgreSQL schema of its own, dropped afterwards.

    Parallel runs on one server never collide. Without a URL, METROLOGY_TEST_DATABASE_URL; a
    missing or unreachable server is `missing` (skip locally, fail in CI).
    """
    url = url or os.environ.get("METROLOGY_TEST_DATABASE_URL", "")
    if not url:
        missing("METROLOGY_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    admin = build_engine(url)
    if not database_ready(admin):
        missing(f"PostgreSQL not reachable at {url}")
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = build_engine(
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
