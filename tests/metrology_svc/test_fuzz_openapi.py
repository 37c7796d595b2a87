"""Schemathesis against the app's own OpenAPI, in process: no 5xx, responses match the schema.

Each operation gets a bounded number of generated requests (METROLOGY_FUZZ_EXAMPLES, default
8) sent as the administrator, and a smaller number (METROLOGY_FUZZ_ROLE_EXAMPLES, default 3)
as each other role: a viewer, an inspector of one commune, nobody (no token); all inside the
test's rolled-back transaction, on each backend. A refusal (401, 403, 404) is an answer like
any other: it must come with the documented error body, never a 5xx.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from prometheus_client import REGISTRY
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from metrology_svc.app import create_app
from metrology_svc.settings import Settings
from tests.factories import World

EXAMPLES = int(os.environ.get("METROLOGY_FUZZ_EXAMPLES", "8"))
ROLE_EXAMPLES = int(os.environ.get("METROLOGY_FUZZ_ROLE_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _answered() -> float:
    return sum(
        s.value
        for family in REGISTRY.collect()
        if family.name == "metrology_http_requests"
        for s in family.samples
        if s.name.endswith("_total")
    )


@pytest.fixture
def api_schema(
    engine: Engine, connection: Connection, world: World, tmp_path: Path
) -> Iterator[schemathesis.BaseSchema]:
    """Load the schema from an app whose requests run in the test's transaction."""
    # Scans written at once: a background flusher would share the test's one connection.
    fuzz_settings = Settings(
        data_dir=tmp_path, stamp_key_dir=tmp_path / "keys", stamp_scan_flush_seconds=0
    )
    app = create_app(
        settings=fuzz_settings,
        engine=engine,
        session_factory=lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
    )
    before = _answered()
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield loaded
    shutdown_lifespans()  # schemathesis keeps an app's lifespan running until told
    # The run really reached the app: at least one answered request per operation.
    operations = sum(1 for _ in loaded.get_all_operations())
    assert operations > 40
    assert _answered() - before >= operations


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: a failure is reported as found, which keeps a failing run short.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_responses_match_the_schema(
    case: schemathesis.Case[Any], world: World
) -> None:
    case.call_and_validate(headers=world.auth("admin"), checks=CHECKS)


# Schemathesis's lazy schema takes no parametrized fixture: one test per role.
ROLE_SETTINGS = settings(
    max_examples=ROLE_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _as(case: schemathesis.Case[Any], headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=[not_a_server_error, content_type_conformance])


@schema.parametrize()
@ROLE_SETTINGS
def test_a_viewer_gets_an_answer_never_a_server_error(
    case: schemathesis.Case[Any], world: World
) -> None:
    _as(case, world.auth("viewer"))


@schema.parametrize()
@ROLE_SETTINGS
def test_an_inspector_of_one_commune_gets_an_answer_never_a_server_error(
    case: schemathesis.Case[Any], world: World
) -> None:
    _as(case, world.auth("inspector_a"))


@schema.parametrize()
@ROLE_SETTINGS
def test_nobody_gets_an_answer_never_a_server_error(case: schemathesis.Case[Any]) -> None:
    _as(case, {})
