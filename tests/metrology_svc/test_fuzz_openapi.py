"""Schemathesis against the app's own OpenAPI, in process: no 5xx, responses match the schema.

Each operation gets a bounded number of generated requests (METROLOGY_FUZZ_EXAMPLES, default
8) sent as the administrator, and a smaller number (METROLOGY_FUZZ_ROLE_EXAMPLES, default 2)
as each other role: a viewer, an inspector of one commune, nobody (no token); all inside the
test's rolled-back transaction, on each backend. A refusal (401, 403, 404) is an answer like
any other: it must come with the documented error body, never a 5xx. A stateful run
(METROLOGY_FUZZ_STATEFUL_EXAMPLES chains, default 10) follows the links Schemathesis infers
between operations: what one call creates, the next reads, changes or closes.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
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
ROLE_EXAMPLES = int(os.environ.get("METROLOGY_FUZZ_ROLE_EXAMPLES", "2"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _answered() -> float:
    return sum(
        s.value
        for family in REGISTRY.collect()
        if family.name == "metrology_http_requests"
        for s in family.samples
        if s.name.endswith("_total")
    )


@contextmanager
def _loaded(
    engine: Engine, connection: Connection, tmp_path: Path
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
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        shutdown_lifespans()  # schemathesis keeps an app's lifespan running until told


@pytest.fixture
def api_schema(
    engine: Engine, connection: Connection, world: World, tmp_path: Path
) -> Iterator[schemathesis.BaseSchema]:
    """The app's schema; afterwards, the run must have reached every operation."""
    before = _answered()
    with _loaded(engine, connection, tmp_path) as loaded:
        yield loaded
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


STATEFUL_EXAMPLES = int(os.environ.get("METROLOGY_FUZZ_STATEFUL_EXAMPLES", "10"))


def test_chained_calls_as_an_administrator_never_give_a_server_error(
    engine: Engine, connection: Connection, world: World, tmp_path: Path
) -> None:
    """Stateful: Schemathesis chains calls by the links it infers from the schema (a created
    instrument, site, owner … then read, changed, deleted by its id), as the administrator."""
    headers = world.auth("admin")
    before = _answered()
    with _loaded(engine, connection, tmp_path) as loaded:
        machine = loaded.as_state_machine()

        class Workflow(machine):  # type: ignore[misc,valid-type]
            def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
                return {"headers": headers}

            def validate_response(
                self, response: Any, case: schemathesis.Case[Any], **kwargs: Any
            ) -> None:
                case.validate_response(response, checks=[not_a_server_error])

        # Links the analysis found (a producer's answer feeding a consumer's parameters).
        assert len(machine.bundles) >= 5, sorted(machine.bundles)
        Workflow.run(
            settings=settings(
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=6,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
    # Each example is a chain of at least two calls that reached the app.
    assert _answered() - before >= 2 * STATEFUL_EXAMPLES
