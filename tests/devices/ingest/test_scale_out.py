"""Two `metrology-svc ingest` processes on one shared subscription; one is killed mid-stream.

The broker runs the shipped config, which makes each account's username its client id: each
ingest has an account of its own (two on one account would throw each other off). The killed
one comes back under its account (as compose's restart policy or a StatefulSet does) and takes
up its persistent session: every message is stored once, none lost or doubled.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from devices.registry import write_broker_auth
from metrology_svc.db import new_session
from metrology_svc.readings.models import Reading
from tests.devices.ingest.conftest import _postgres_market
from tests.devices.ingest.support import Publisher, count, distinct_seqs, reading_payload
from tests.devices.ingest.test_broker_auth import shipped_config
from tests.mqtt_broker import BrokerFactory, MosquittoBroker

MESSAGES = 12_000


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("metrology-svc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "metrology_svc"]


class IngestProcess:
    """One `metrology-svc ingest` process in the share group, logging to a file."""

    def __init__(self, client_id: str, *, engine: Engine, mqtt_url: str, workdir: Path) -> None:
        self.client_id, self.workdir = client_id, workdir
        self.log_path = workdir / f"{client_id}.log"
        self.env = os.environ | {
            "METROLOGY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "METROLOGY_MQTT_URL": mqtt_url,
            "METROLOGY_MQTT_CLIENT_ID": client_id,
            "METROLOGY_MQTT_SHARE_GROUP": "ingest",
            "METROLOGY_INGEST_BATCH_MS": "20",
            "METROLOGY_DATA_DIR": str(workdir),
            "METROLOGY_LOG_JSON": "true",
        }
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [*_cli(), "ingest"], stdout=log, stderr=log, env=self.env, cwd=self.workdir
            )

    def connections(self) -> int:
        """Count the times it said it connected to the broker."""
        return self.log_path.read_text(errors="replace").count("ingest: connected to")

    def kill(self) -> None:
        """SIGKILL: nothing is flushed, committed or acknowledged on the way out."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start it again under the same client id."""
        self.process = self._start()

    def stop(self) -> None:
        """SIGTERM (it commits what it holds), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return bool(condition())  # type: ignore[operator]


def _account(name: str, broker: MosquittoBroker) -> str:
    return f"mqtt://{name}:secret-of-{name}@127.0.0.1:{broker.port}"


def test_two_ingest_processes_share_a_stream_and_survive_a_kill_9(
    mosquitto_factory: BrokerFactory, tmp_path: Path
) -> None:
    names = ("ingest-a", "ingest-b")
    with _postgres_market() as (engine, market):
        auth = tmp_path / "auth"
        with new_session(engine) as session:  # one account per ingest; ports filled in below
            urls = [f"mqtt://{n}:secret-of-{n}@127.0.0.1:1883" for n in names]
            write_broker_auth(session, directory=auth, mqtt_url=urls[0], service_urls=urls[1:])
        broker = mosquitto_factory(extra_config=shipped_config(auth))
        ingests = [
            IngestProcess(name, engine=engine, mqtt_url=_account(name, broker), workdir=tmp_path)
            for name in names
        ]
        try:
            assert _wait(lambda: all(i.connections() for i in ingests), 60), [
                i.log_path.read_text()[-1500:] for i in ingests
            ]
            topic = f"metrology/v1/{market.device_id}/readings"
            publisher = Publisher(
                broker.port,
                client_id="scale-out-pub",
                username=market.device_id,
                password=market.password,
            )
            stream = threading.Thread(
                target=publisher.publish_all,
                args=([(topic, reading_payload(seq)) for seq in range(1, MESSAGES + 1)],),
                kwargs={"timeout": 120},
            )
            stream.start()
            # Kill one while the stream flows: some of its share is stored, some not yet.
            assert _wait(lambda: count(engine, Reading) >= MESSAGES // 4, 60)
            victim = ingests[0]
            victim.kill()
            stored_at_kill = count(engine, Reading)
            time.sleep(1.0)
            victim.restart()
            stream.join(timeout=150)
            assert not stream.is_alive()
            publisher.close()
            assert _wait(lambda: count(engine, Reading) >= MESSAGES, 90)
            time.sleep(1.0)  # a late duplicate would show up now
            assert stored_at_kill < MESSAGES
            assert count(engine, Reading) == MESSAGES
            assert distinct_seqs(engine) == MESSAGES
            assert victim.connections() == 2  # it came back and took up its session
            assert ingests[1].process.poll() is None
        finally:
            for ingest in ingests:
                ingest.stop()
