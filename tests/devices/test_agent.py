"""The agent end to end: indicator lines through a pseudo-terminal, a real Mosquitto, the outbox.

The broker is stopped and started again (and the agent killed) in the middle; every weighing must
reach a subscriber exactly once and in order. The subscriber stands in for the ingest and sends
the end-to-end acks the agent waits for before it empties its outbox.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from devices.acks import encode_ack
from devices.agent import broker_address
from devices.protocol import ack_topic
from tests.mqtt_broker import BrokerFactory, MosquittoBroker

DEVICE = "scale-test-01"


@dataclass
class Collector:
    """A paho subscriber with a persistent session, so it misses nothing across a restart.

    Like the ingest, it acks each message it receives on the device's ack topic (unless told
    not to yet).
    """

    broker: MosquittoBroker
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acking: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.acking.set()

    def start(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="test-collector", clean_session=False
        )
        client.on_connect = lambda c, *_: c.subscribe(f"metrology/v1/{DEVICE}/readings", qos=1)
        client.on_message = self._on_message
        client.reconnect_delay_set(min_delay=1, max_delay=2)
        address = broker_address(self.broker.url)
        client.connect(address.host, address.port)
        client.loop_start()
        return client

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        body = json.loads(message.payload)
        with self.lock:
            self.received.append(body)
        if self.acking.is_set():
            ack = encode_ack(body["boot"], [(body["seq"], body["seq"])])
            client.publish(ack_topic(DEVICE), ack, qos=1)

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received)


def _wait_for(condition: Callable[[], bool], *, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _outbox_size(path: Path) -> int:
    if not path.exists():
        return -1
    with sqlite3.connect(path) as db:
        try:
            return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
        except sqlite3.OperationalError:  # the agent has not created the table yet
            return -1


def _watch(agent: subprocess.Popen[str], ready: threading.Event) -> None:
    assert agent.stderr is not None
    for line in agent.stderr:
        sys.stderr.write(line)  # keep the agent's log visible in pytest's captured output
        if "reading the indicator" in line:
            ready.set()


@dataclass
class Rig:
    """A pseudo-terminal standing in for the indicator, and the agent process reading it."""

    broker: MosquittoBroker
    outbox: Path
    master: int
    slave: int
    agent: subprocess.Popen[str] | None = None

    def start_agent(self, *extra: str) -> None:
        command = [sys.executable, "-m", "devices.cli", "agent", "--port", os.ttyname(self.slave)]
        command += ["--device-id", DEVICE, "--broker", self.broker.url]
        command += ["--outbox", str(self.outbox), "--status-interval", "0", *extra]
        self.agent = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        ready = threading.Event()
        threading.Thread(target=_watch, args=(self.agent, ready), daemon=True).start()
        # pyserial flushes the port's input when it opens it: write only after that.
        _wait_for(ready.is_set, what="the agent to open the port")

    def weigh(self, lines: list[str]) -> None:
        os.write(self.master, "".join(f"{line}\r\n" for line in lines).encode())

    def stop_agent(self, sig: int = signal.SIGTERM) -> int:
        assert self.agent is not None
        self.agent.send_signal(sig)
        code = self.agent.wait(timeout=15)
        self.agent = None
        return code


@pytest.fixture
def rig(mosquitto_factory: BrokerFactory, tmp_path: Path) -> Iterator[Rig]:
    broker = mosquitto_factory(persistence=True)
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing: bytes reach the agent as the scale sent them
    rig = Rig(broker, tmp_path / "outbox.db", master, slave)
    yield rig
    if rig.agent is not None:
        rig.stop_agent(signal.SIGKILL)
    os.close(master)
    os.close(slave)


def _stgs_weighing(kg: str) -> list[str]:
    return ["US,GS,+0000.700kg", f"ST,GS,+{kg}kg", f"ST,GS,+{kg}kg", "noise!", "ST,GS,+0000.000kg"]


def _sics_weighing(kg: str) -> list[str]:
    return ["S D      0.400 kg", f"S S      {kg} kg", f"S S      {kg} kg", "S S      0.000 kg"]


def test_readings_survive_a_broker_restart_exactly_once_and_in_order(rig: Rig) -> None:
    collector = Collector(rig.broker)
    subscriber = collector.start()
    rig.start_agent()
    first = [f"000{i}.{i}25" for i in range(1, 6)]
    for kg in first:
        rig.weigh(_stgs_weighing(kg))
    _wait_for(lambda: len(collector.snapshot()) == 5, what="the first five readings")
    _wait_for(lambda: _outbox_size(rig.outbox) == 0, what="the outbox to empty")

    rig.broker.stop()
    second = [f"00{i}.{i}50" for i in range(10, 15)]
    for kg in second:
        rig.weigh(_sics_weighing(kg))
    _wait_for(lambda: _outbox_size(rig.outbox) == 5, what="the outbox to hold the backlog")
    rig.broker.start()

    _wait_for(lambda: len(collector.snapshot()) >= 10, what="the backlog after the restart")
    _wait_for(lambda: _outbox_size(rig.outbox) == 0, what="the backlog's acks")
    assert rig.stop_agent() == 0
    subscriber.loop_stop()
    received = collector.snapshot()
    assert [r["seq"] for r in received] == list(range(10))
    assert len({r["boot"] for r in received}) == 1
    expected = [float(kg) * 1000 for kg in first + second]
    assert [r["mass"] for r in received] == pytest.approx(expected)
    assert all(r["stable"] and r["unit"] == "g" for r in received)


def test_a_killed_agent_sends_its_outbox_after_restart_before_new_readings(rig: Rig) -> None:
    collector = Collector(rig.broker)
    subscriber = collector.start()
    rig.broker.stop()
    rig.start_agent()
    for kg in ["0001.100", "0002.200", "0003.300"]:
        rig.weigh(_stgs_weighing(kg))
    _wait_for(lambda: _outbox_size(rig.outbox) == 3, what="three readings in the outbox")
    rig.stop_agent(signal.SIGKILL)  # nothing graceful: only what is on disk survives

    rig.start_agent()
    rig.broker.start()
    rig.weigh(_sics_weighing("4.400"))
    _wait_for(lambda: len(collector.snapshot()) >= 4, what="old and new readings")
    _wait_for(lambda: _outbox_size(rig.outbox) == 0, what="the outbox to empty")
    subscriber.loop_stop()
    received = collector.snapshot()
    assert [r["mass"] for r in received] == [1100, 2200, 3300, 4400]
    boots = [r["boot"] for r in received]
    assert boots[0] == boots[1] == boots[2] != boots[3]
    assert [r["seq"] for r in received] == [0, 1, 2, 0]


def test_a_reading_the_broker_took_stays_in_the_outbox_until_it_is_acked(rig: Rig) -> None:
    collector = Collector(rig.broker)
    collector.acking.clear()  # the ingest commits nothing yet: the broker's PUBACK is all
    subscriber = collector.start()
    rig.start_agent("--ack-timeout", "1")
    for kg in ["0001.100", "0002.200"]:
        rig.weigh(_stgs_weighing(kg))
    _wait_for(lambda: len(collector.snapshot()) >= 2, what="two readings at the subscriber")
    assert _outbox_size(rig.outbox) == 2  # delivered, PUBACKed, and still kept
    collector.acking.set()
    # No ack came within the timeout: the agent sends them again, and these copies are acked.
    _wait_for(lambda: _outbox_size(rig.outbox) == 0, what="the resent readings' acks")
    assert rig.stop_agent() == 0
    subscriber.loop_stop()
    seqs = [r["seq"] for r in collector.snapshot()]
    assert seqs[:2] == [0, 1]
    assert set(seqs) == {0, 1}  # resent, never anything else
