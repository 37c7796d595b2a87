"""A broker crash with readings queued for an absent ingest: end-to-end acks lose nothing.

The issue's scenario with the project's own parts: Mosquitto on the shipped config (persistence,
autosave_interval 30, its own data directory and port, password and ACL files written by
write-broker-auth), control scales running the agent's uplink (outbox → paho → Publisher), the
ingest on SQLite and PostgreSQL. The ingest is down, so the broker queues 2,000 readings for its
session and PUBACKs each; the broker is killed with SIGKILL before it saves them and restarted;
the ingest comes back. The broker lost all 2,000 (it promised no more than its last save); the
agents still hold them, because only the ingest's ack after commit empties an outbox, and send
them again: each one ends up stored exactly once and every outbox empty.
"""

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from devices import protocol
from devices.agent import Agent, AgentConfig, uplink
from devices.outbox import Outbox
from metrology_svc.db import new_session
from metrology_svc.readings.models import DeadLetter, Reading
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import Market, Publisher, count, reading_payload
from tests.devices.ingest.test_broker_auth import SERVICE_URL, add_devices, shipped_broker
from tests.mqtt_broker import BrokerFactory

SCALES = ("cs-test-02", "cs-test-03")
PER_SCALE = 1000


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _outbox_size(path: Path) -> int:
    with sqlite3.connect(path) as db:  # a reader of its own: the agent's thread owns the outbox
        size = int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
    db.close()
    return size


class Scale:
    """A control scale's agent: it queues `readings` weighings, then pumps its outbox to the
    broker in a thread of its own (which owns the outbox), unless paused."""

    def __init__(self, device_id: str, password: str, *, broker_url: str, workdir: Path) -> None:
        self.outbox_path = workdir / f"{device_id}.outbox"
        self.config = AgentConfig(
            port="(no serial port: readings are queued directly)",
            device_id=device_id,
            broker=broker_url,
            outbox=self.outbox_path,
            username=device_id,
            password=password,
            ack_timeout_s=10,
        )
        self.queued, self.stop = threading.Event(), threading.Event()
        self.paused = threading.Event()
        self.pending = self.handed = -1  # the Publisher's, as of the last pump
        self.boot = ""
        self.thread = threading.Thread(target=self._run, name=device_id, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        outbox = Outbox(self.outbox_path)
        client, publisher = uplink(self.config, outbox)
        agent = Agent(self.config)
        self.boot = agent.sequence.boot
        for _ in range(PER_SCALE):
            seq = agent.sequence.take()
            mass = Decimal(1000 + seq)
            at = datetime.now().astimezone()
            reading = protocol.Reading(
                boot=self.boot, seq=seq, measured_at=at, mass_g=mass, stable=True
            )
            agent.enqueue(outbox, reading)
        self.queued.set()
        try:
            while not self.stop.is_set():
                if not self.paused.is_set():
                    publisher.pump()
                    self.pending, self.handed = publisher.pending, publisher.handed
                time.sleep(0.005)
        finally:
            client.disconnect()
            client.loop_stop()
            outbox.close()

    @property
    def all_with_the_broker(self) -> bool:
        """Tell whether every reading was handed to paho and PUBACKed by the broker."""
        return self.queued.is_set() and self.handed == PER_SCALE and self.pending == 0

    def close(self) -> None:
        """Stop pumping and close the outbox."""
        self.stop.set()
        self.thread.join(timeout=30)


def _stored(engine: Engine, device_id: str) -> list[tuple[str, int]]:
    with new_session(engine) as session:
        rows = session.exec(
            select(Reading.boot, Reading.seq).where(Reading.device_id == device_id)
        ).all()
    return [(boot, seq) for boot, seq in rows]


def test_a_broker_killed_with_readings_queued_loses_none_of_them_end_to_end(
    mosquitto_factory: BrokerFactory, market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = market_db
    passwords = add_devices(engine, market, *SCALES, "cs-test-04")
    broker = shipped_broker(mosquitto_factory, engine, tmp_path / "auth")
    ingest_url = SERVICE_URL.replace(":1883", f":{broker.port}")
    with running_ingest(engine, ingest_url):
        pass  # the ingest's persistent session and subscriptions now exist; the ingest is down
    broker.restart()  # a clean stop saves them, as any autosave after the ingest subscribed does
    device_url = f"mqtt://127.0.0.1:{broker.port}"
    scales = [Scale(d, passwords[d], broker_url=device_url, workdir=tmp_path) for d in SCALES]
    try:
        _wait(lambda: all(s.all_with_the_broker for s in scales), 120, "the broker's PUBACKs")
        assert [_outbox_size(s.outbox_path) for s in scales] == [PER_SCALE] * len(SCALES)
        for scale in scales:  # the agents send nothing again until the test says so
            scale.paused.set()
        broker.kill()  # well within the shipped 30 s autosave: the queue was never saved
        broker.start()
        with running_ingest(engine, ingest_url):
            # What the broker still queues for the ingest arrives before a reading sent now.
            marker = Publisher(
                broker.port,
                client_id="marker",
                username="cs-test-04",
                password=passwords["cs-test-04"],
            )
            marker.publish_all([(protocol.topic("cs-test-04", "reading"), reading_payload(1))])
            marker.close()
            _wait(lambda: count(engine, Reading) >= 1, 60, "the marker reading")
            lost_by_the_broker = PER_SCALE * len(SCALES) - (count(engine, Reading) - 1)
            for scale in scales:
                scale.paused.clear()
            _wait(
                lambda: all(_outbox_size(s.outbox_path) == 0 for s in scales),
                180,
                "every outbox to be emptied by the ingest's acks",
            )
        for scale in scales:
            assert sorted(_stored(engine, scale.config.device_id)) == [
                (scale.boot, seq) for seq in range(PER_SCALE)
            ]
    finally:
        for scale in scales:
            scale.close()
    assert lost_by_the_broker == PER_SCALE * len(SCALES)  # what persistence does not promise
    assert count(engine, Reading) == PER_SCALE * len(SCALES) + 1  # no row twice (unique key)
    assert count(engine, DeadLetter) == 0


def test_a_broker_killed_mid_stream_with_the_ingest_up_loses_and_doubles_nothing(
    mosquitto_factory: BrokerFactory, market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = market_db
    passwords = add_devices(engine, market, *SCALES)
    broker = shipped_broker(mosquitto_factory, engine, tmp_path / "auth")
    total = PER_SCALE * len(SCALES)
    with running_ingest(engine, SERVICE_URL.replace(":1883", f":{broker.port}")):
        device_url = f"mqtt://127.0.0.1:{broker.port}"
        scales = [Scale(d, passwords[d], broker_url=device_url, workdir=tmp_path) for d in SCALES]
        try:
            # Killed while readings are at every stage: stored and acked, stored and not yet
            # acked, queued for the ingest, in flight from the agents.
            _wait(lambda: count(engine, Reading) >= total // 5, 120, "a fifth stored")
            broker.kill()
            stored_at_kill = count(engine, Reading)
            broker.start()
            _wait(
                lambda: all(_outbox_size(s.outbox_path) == 0 for s in scales),
                180,
                "every outbox to be emptied by the ingest's acks",
            )
            for scale in scales:
                assert sorted(_stored(engine, scale.config.device_id)) == [
                    (scale.boot, seq) for seq in range(PER_SCALE)
                ]
        finally:
            for scale in scales:
                scale.close()
    assert stored_at_kill < total
    assert count(engine, Reading) == total
    assert count(engine, DeadLetter) == 0
