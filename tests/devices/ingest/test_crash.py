"""`metrology-svc ingest` killed with SIGKILL mid-stream and restarted: nothing lost or doubled."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from metrology_svc.readings.models import Reading
from tests.devices.ingest.support import Market, Publisher, count, distinct_seqs, reading_payload
from tests.mqtt_broker import MosquittoBroker, free_port


def _start_ingest(
    db_path: Path, broker: MosquittoBroker, log: Path, *, path: str, metrics_port: int = 0
) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "METROLOGY_DATABASE_URL": f"sqlite:///{db_path}",
        "METROLOGY_MQTT_URL": broker.url,
        "METROLOGY_MQTT_CLIENT_ID": "ingest-crash-test",
        "METROLOGY_INGEST_BATCH_SIZE": "200",
        "METROLOGY_INGEST_RECEIVE_PATH": path,
        "METROLOGY_METRICS_PORT": str(metrics_port),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "metrology_svc", "ingest"], env=env, stdout=out, stderr=out
        )


def _wait_rows(engine: Engine, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (n := count(engine, Reading)) < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
    return n


def _ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    """GET the ingest's /readyz on its metrics port, once it listens."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
        except httpx.TransportError:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the ingest's metrics port did not answer"
            time.sleep(0.1)


@pytest.mark.parametrize("path", ["fast", "stock"])
def test_sigkill_mid_batch_then_restart_loses_and_doubles_nothing(
    mosquitto: MosquittoBroker, sqlite_market_db: tuple[Engine, Market], tmp_path: Path, path: str
) -> None:
    engine, market = sqlite_market_db
    db_path = Path(str(engine.url.database))
    log = tmp_path / "ingest.log"
    total = 20_000
    topic = f"metrology/v1/{market.device_id}/readings"
    first = _start_ingest(db_path, mosquitto, log, path=path)
    try:
        # Let the first process make its durable session, then flood it.
        pub = Publisher(mosquitto.port, client_id="pub-crash")
        for _ in range(120):  # until the ingest has subscribed; repeats are absorbed
            pub.publish_all([(topic, reading_payload(0))])
            if _wait_rows(engine, 1, 0.5) >= 1:
                break
        assert count(engine, Reading) == 1, log.read_text()[-3000:]
        # Publish from a thread and kill as soon as 2,000 are stored: waiting for the broker to
        # acknowledge all 20,000 first let a fast ingest store them all before the kill.
        rest = [(topic, reading_payload(i)) for i in range(1, total)]
        sender = threading.Thread(target=pub.publish_all, args=(rest,), kwargs={"timeout": 120})
        sender.start()
        stored_before_kill = _wait_rows(engine, 2000, 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        sender.join(120)
    finally:
        if first.poll() is None:
            first.kill()
    assert 0 < stored_before_kill < total, "the kill must land while messages are in flight"
    metrics_port = free_port()
    second = _start_ingest(db_path, mosquitto, log, path=path, metrics_port=metrics_port)
    try:
        stored = _wait_rows(engine, total, 120)
        time.sleep(1)  # anything doubled would show now
        # The standalone ingest reports on its metrics port (loopback), as /readyz does in serve.
        ready = _ready(metrics_port, second, log)
        assert ready.status_code == 200, ready.text
        assert ready.json()["ingest"]["writer_up"] is True
        assert ready.json()["ingest"]["receive_path"] == path
        assert ready.json()["database"] is True
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert "metrology_ingest_writer_up 1.0" in metrics
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
        pub.close()
    assert stored == total, log.read_text()[-3000:]
    assert count(engine, Reading) == total
    assert distinct_seqs(engine) == total
