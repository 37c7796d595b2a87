"""`metrology-svc serve` and `api` really start: a subprocess on a free port answers.

`serve` is the whole service in one process, so a reading published to the broker it points at
must land in its database; `api` is the HTTP part alone.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine

from metrology_svc.readings.models import Reading
from tests.devices.ingest.support import Publisher, count, file_database, reading_payload
from tests.mqtt_broker import MosquittoBroker, free_port


@contextmanager
def running(command: str, env: dict[str, str], log: Path) -> Iterator[int]:
    """Run `metrology-svc COMMAND` on a free port until /readyz answers; yield the port."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "metrology_svc", command, "--port", str(port)],
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"{command} did not answer within 30 s"
                time.sleep(0.2)
        body = ready.json()
        assert (ready.status_code, body["status"], body["database"]) == (200, "ok", True)
        assert ("ingest" in body) == (command == "serve")  # serve reports its in-process ingest
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_brings_sqlite_up_to_date_and_answers(tmp_path: Path) -> None:
    # No broker on port 1: serve must keep serving (the ingest retries in the background).
    env = {"METROLOGY_DATA_DIR": str(tmp_path), "METROLOGY_MQTT_URL": "mqtt://127.0.0.1:1"}
    env |= {"METROLOGY_DATABASE_URL": ""}
    with running("serve", env, tmp_path / "serve.log") as port:
        assert (tmp_path / "metrology.db").exists()
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert "/api/v1/instruments" in spec["paths"]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).is_success


def _wait_rows(engine: Engine, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (n := count(engine, Reading)) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return n


def test_serve_runs_the_ingest_and_api_does_not(mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    engine, market = file_database(tmp_path / "metrology.db")
    topic = f"metrology/v1/{market.device_id}/readings"
    env = {
        "METROLOGY_DATABASE_URL": f"sqlite:///{tmp_path / 'metrology.db'}",
        "METROLOGY_MQTT_URL": mosquitto.url,
        "METROLOGY_MQTT_CLIENT_ID": "serve-test",
        "METROLOGY_STAMP_KEY_DIR": str(tmp_path / "keys"),
    }
    publisher = Publisher(mosquitto.port, client_id="serve-test-pub")
    try:
        with running("api", env, tmp_path / "api.log"):
            publisher.publish_all([(topic, reading_payload(0))])
            assert _wait_rows(engine, 1, 3) == 0, "api alone must not ingest"
        with running("serve", env, tmp_path / "serve.log"):
            # The durable session was not made yet, so publish until the ingest has subscribed.
            for seq in range(1, 150):
                publisher.publish_all([(topic, reading_payload(seq))])
                if _wait_rows(engine, 1, 0.2) >= 1:
                    break
            assert count(engine, Reading) >= 1, (tmp_path / "serve.log").read_text()[-3000:]
    finally:
        publisher.close()
        engine.dispose()
