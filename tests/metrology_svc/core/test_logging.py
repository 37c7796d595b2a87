"""Logs: JSON lines off a terminal, plain on one, with request and device ids; no secrets."""

import io
import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from devices.ingest import start_ingest
from metrology_svc.app import create_app
from metrology_svc.core.logging import HANDLER_NAME, configure_logging
from metrology_svc.core.observability import request_id_var
from metrology_svc.settings import Settings
from tests.factories import World
from tests.mqtt_broker import BrokerFactory

MQTT_SECRET = "mqtt-Pa55-9d1e"
SMTP_SECRET = "smtp-Pa55-77c0"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root() -> object:
    """Put the root logger back as it was after a test that configures it."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root")
def test_json_lines_carry_the_request_and_device_ids() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", stream=out)
    token = request_id_var.set("rq-7")
    try:
        logging.getLogger("devices.ingest").info(
            "set aside (%s)", "schema", extra={"device_id": "cs-01"}
        )
    finally:
        request_id_var.reset(token)
    logging.getLogger("x").debug("below the level")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "set aside (schema)"
    assert record["request_id"] == "rq-7"
    assert record["device_id"] == "cs-01"
    assert record["level"] == "INFO"
    assert record["logger"] == "devices.ingest"


@pytest.mark.usefixtures("restore_root")
def test_plain_text_on_a_terminal_and_one_handler_however_often_configured() -> None:
    screen = Terminal()
    configure_logging(stream=io.StringIO())
    configure_logging(stream=screen)
    ours = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    assert len(ours) == 1
    logging.getLogger("y").warning("hello", extra={"device_id": "cs-02"})
    text = screen.getvalue()
    assert "WARNING y: hello [device_id=cs-02]" in text
    assert not text.startswith("{")


def _app_client(engine: Engine, connection: Connection, settings: Settings) -> TestClient:
    app = create_app(
        settings=settings,
        engine=engine,
        session_factory=lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
    )
    return TestClient(app, raise_server_exceptions=False)


def test_tokens_and_passwords_never_reach_the_logs(
    engine: Engine,
    connection: Connection,
    settings: Settings,
    world: World,
    mosquitto_factory: BrokerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_settings = settings.model_copy(
        update={"smtp_password": SMTP_SECRET, "smtp_user": "mailer"}
    )
    bad_token = "mtk_" + "g" * 43
    ack_token = "ack-secret-4f1b2c"
    with _app_client(engine, connection, secret_settings) as client:
        assert client.get("/api/v1/sites", headers=world.auth("admin")).status_code == 200
        assert (
            client.get(
                "/api/v1/sites", headers={"Authorization": f"Bearer {bad_token}"}
            ).status_code
            == 401
        )
        client.get("/api/v1/notices/ack", params={"token": ack_token})
        client.get(f"/xn/{ack_token}")  # the page's path holds the token
    # The ingest, once on a broker that lets it in and once on one that refuses it.
    for broker in (mosquitto_factory(), mosquitto_factory(anonymous=False)):
        url = f"mqtt://ingest:{MQTT_SECRET}@127.0.0.1:{broker.port}"
        ingest = start_ingest(
            settings=secret_settings.model_copy(update={"mqtt_url": url}), engine=engine
        )
        seen = len(caplog.records)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            "ingest: connected" in r.getMessage() or "ingest: broker refused" in r.getMessage()
            for r in caplog.records[seen:]
        ):
            time.sleep(0.05)
        ingest.stop()
    # Everything the service logged (httpx is the test's own client, which logs its URLs).
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "GET /api/v1/sites 200" in text  # the requests were logged ...
    assert "broker refused" in text  # ... and both ingest starts
    for secret in (world.tokens["admin"], bad_token, ack_token, MQTT_SECRET, SMTP_SECRET):
        assert secret not in text
