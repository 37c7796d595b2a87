"""Request ids, request metrics by route template, and the metrics of jobs and notices."""

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import Connection
from sqlmodel import Session
from typer.testing import CliRunner

from metrology_svc.app import create_app
from metrology_svc.cli import ingest_cmd, scheduler_cmd
from metrology_svc.cli.main import app
from metrology_svc.core.health import Readiness
from metrology_svc.core.logging import HANDLER_NAME, configure_logging
from metrology_svc.core.observability import request_id_from, serve_metrics
from metrology_svc.settings import Settings, get_settings
from schedules.jobs import dispatch_job, due_scan_job
from tests.factories import World
from tests.metrology_svc.notices.test_delivery import recall_for
from tests.mqtt_broker import free_port


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_request_id_is_honoured_when_sane_and_made_otherwise() -> None:
    def scope(value: str) -> dict[str, object]:
        return {"headers": [(b"x-request-id", value.encode("latin-1"))]}

    assert request_id_from(scope("abc-123")) == "abc-123"
    made = request_id_from(scope("bad id\nwith newline"))
    assert made != "bad id\nwith newline"
    assert len(made) == 32
    assert request_id_from(scope("x" * 200)) != "x" * 200
    assert request_id_from({"headers": []}) != request_id_from({"headers": []})


def test_responses_echo_the_request_id(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "rq-42"})
    made = client.get("/healthz")
    assert given.headers["X-Request-ID"] == "rq-42"
    assert len(made.headers["X-Request-ID"]) == 32


def test_requests_are_counted_and_timed_by_route_template(client: TestClient, world: World) -> None:
    route = "/api/v1/sites/{site_id}"
    labels = {"method": "GET", "route": route, "status": "200"}
    before = _value("metrology_http_requests_total", **labels)
    timed = _value("metrology_http_request_duration_seconds_count", method="GET", route=route)
    for _ in range(3):
        answer = client.get(f"/api/v1/sites/{world.market_a}", headers=world.auth("admin"))
        assert answer.status_code == 200
    assert _value("metrology_http_requests_total", **labels) == before + 3
    assert (
        _value("metrology_http_request_duration_seconds_count", method="GET", route=route)
        == timed + 3
    )
    unknown = client.get("/no/such/path/9f3b")
    assert unknown.status_code == 404
    exposed = generate_latest().decode()  # what /metrics shows (behind its token, below)
    assert 'route="/api/v1/sites/{site_id}"' in exposed
    assert "9f3b" not in exposed  # raw paths never become labels


METRICS_TOKEN = "scrape-me-" + "7" * 30


@pytest.mark.parametrize("token", ["", METRICS_TOKEN])
def test_metrics_on_the_api_port_are_not_public(tmp_path: Path, token: str) -> None:
    settings = Settings(data_dir=tmp_path, stamp_key_dir=tmp_path / "keys", metrics_token=token)
    with TestClient(create_app(settings=settings), raise_server_exceptions=False) as client:
        anonymous = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
        right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert client.get("/healthz").status_code == 200  # probes stay open
    if not token:  # no token set: nothing on this port, the metrics port serves them
        assert [anonymous.status_code, wrong.status_code, right.status_code] == [404] * 3
        assert "METROLOGY_METRICS_PORT" in anonymous.json()["error"]["message"]
        return
    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.json()["error"]["message_vi"]
    assert "metrology_http_requests_total" not in anonymous.text
    assert right.status_code == 200
    assert "metrology_http_requests_total" in right.text


def test_a_short_metrics_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="24 characters"):
        Settings(metrics_token="short")


def test_the_due_scan_job_is_counted_timed_and_its_failures_counted(
    db: Session, settings: Settings
) -> None:
    runs = _value("metrology_job_runs_total", job="due_scan")
    failures = _value("metrology_job_failures_total", job="due_scan")
    timed = _value("metrology_job_duration_seconds_count", job="due_scan")

    def sessions() -> Session:
        return db

    now = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    due_scan_job(sessions=sessions, settings=settings, clock=lambda: now)

    def broken() -> Iterator[Session]:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        due_scan_job(sessions=broken, settings=settings, clock=lambda: now)  # type: ignore[arg-type]
    assert _value("metrology_job_runs_total", job="due_scan") == runs + 2
    assert _value("metrology_job_failures_total", job="due_scan") == failures + 1
    assert _value("metrology_job_duration_seconds_count", job="due_scan") == timed + 2


def test_notice_deliveries_are_counted_by_channel_and_outcome(
    db: Session, connection: Connection, world: World, settings: Settings
) -> None:
    # Nothing listens on the SMTP port: the e-mail attempt fails, then fails for good.
    settings = settings.model_copy(
        update={
            "smtp_port": free_port(),
            "channel_timeout_s": 1,
            "notice_retry_schedule_minutes": [1],
        }
    )
    clock = recall_for(db, world, settings, owner_id=world.owner_en)

    def sessions() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    failed = _value("metrology_notice_deliveries_total", channel="email", outcome="failed")
    given_up = _value("metrology_notice_deliveries_total", channel="email", outcome="given_up")
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"failed": 1}
    clock.advance(minutes=10)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"given_up": 1}
    assert _value("metrology_notice_deliveries_total", channel="email", outcome="failed") == (
        failed + 1
    )
    assert _value("metrology_notice_deliveries_total", channel="email", outcome="given_up") == (
        given_up + 1
    )


def test_one_json_access_line_per_request_with_the_route_template(
    client: TestClient, world: World
) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    out = io.StringIO()
    configure_logging(level="INFO", json_lines=True, stream=out)
    try:
        route = "/api/v1/sites/{site_id}"
        before = _value("metrology_http_requests_total", method="GET", route=route, status="200")
        answer = client.get(
            f"/api/v1/sites/{world.market_a}?secret=abc",
            headers={**world.auth("admin"), "X-Request-ID": "rq-access-1"},
        )
        assert answer.status_code == 200
        root.setLevel("WARNING")  # the access line is INFO: below the level, none is made
        assert client.get(f"/api/v1/sites/{world.market_a}", headers=world.auth("admin")).is_success
    finally:
        for handler in list(root.handlers):
            if handler.get_name() == HANDLER_NAME:
                root.removeHandler(handler)
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "metrology_svc.access"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["route"], line["status"]) == ("GET", route, 200)
    assert line["request_id"] == "rq-access-1"
    assert line["message"] == f"GET {route} 200 {line['ms']:.1f} ms"
    assert "secret" not in json.dumps(line)  # never the query string
    # Both requests are counted, logged or not.
    assert _value("metrology_http_requests_total", method="GET", route=route, status="200") == (
        before + 2
    )


def test_the_metrics_port_listens_on_loopback_and_answers_probes() -> None:
    assert Settings().metrics_host == "127.0.0.1"
    assert serve_metrics(port=0) is None  # no port: nothing listens
    port = free_port()
    answer: dict[str, tuple[int, dict[str, Any]]] = {"now": (200, {"status": "ok"})}
    server = serve_metrics(port=port, readiness=lambda: answer["now"])
    assert server is not None
    try:
        assert server.server_address[0] == "127.0.0.1"  # not every interface
        base = f"http://127.0.0.1:{port}"
        assert "metrology_http_requests_total" in httpx.get(f"{base}/metrics", timeout=5).text
        assert httpx.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        answer["now"] = (503, {"status": "unavailable", "ingest": {"ready": False}})
        down = httpx.get(f"{base}/readyz", timeout=5)
        assert down.status_code == 503
        assert down.json() == answer["now"][1]
    finally:
        server.shutdown()
        server.server_close()


class _Served(Exception):
    """Raised by a stand-in serve_metrics: the command has said where it would listen."""


@pytest.fixture
def metrics_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """A fresh data directory and metrics settings; yields what serve_metrics was asked."""
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    monkeypatch.setenv("METROLOGY_METRICS_PORT", "9464")
    monkeypatch.setenv("METROLOGY_METRICS_HOST", "10.0.0.7")
    asked: list[Any] = []

    def serve_metrics(**kwargs: Any) -> None:
        asked.append(kwargs)
        raise _Served

    monkeypatch.setattr(scheduler_cmd, "serve_metrics", serve_metrics)
    monkeypatch.setattr(ingest_cmd, "serve_metrics", serve_metrics)
    get_settings.cache_clear()
    yield asked
    get_settings.cache_clear()


def test_the_scheduler_and_ingest_commands_listen_where_the_settings_say(
    metrics_env: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = CliRunner().invoke(app, ["scheduler"])
    assert isinstance(result.exception, _Served), result.output
    stopped: list[bool] = []

    class Running:  # the ingest, not started: no broker is needed to see the metrics address
        readiness = staticmethod(lambda: Readiness(True))

        def stop(self) -> None:
            stopped.append(True)

    monkeypatch.setattr("devices.ingest.start_ingest", lambda **_kwargs: Running())
    result = CliRunner().invoke(app, ["ingest"])
    assert isinstance(result.exception, _Served), result.output
    assert [(a["host"], a["port"]) for a in metrics_env] == [("10.0.0.7", 9464)] * 2
    assert metrics_env[1]["readiness"]()[0] == 200  # the ingest's port answers /readyz too
