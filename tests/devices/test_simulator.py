"""The simulator: realistic checks, short weights beyond R 87, garbage the parser refuses."""

import random
import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from typer.testing import CliRunner

from devices import protocol, simulator
from devices.agent import broker_address
from devices.cli import app
from tests.mqtt_broker import MosquittoBroker


@pytest.mark.parametrize(
    ("declared", "allowed"),
    [
        (40, "3.6"),
        (80, "4.5"),
        (150, "6.75"),
        (250, "9"),
        (400, "12"),
        (800, "15"),
        (2000, "30"),
        (12000, "150"),
        (20000, "200"),
    ],
)
def test_tolerable_deficiency_follows_r87(declared: int, allowed: str) -> None:
    assert simulator.tolerable_deficiency_g(Decimal(declared)) == Decimal(allowed)


def test_short_checks_miss_more_than_allowed_and_honest_ones_do_not() -> None:
    rng = random.Random(7)
    device = simulator.make_devices(rng, count=1)[0]
    now = simulator.utc_now()
    for short in [True, False] * 300:
        reading = simulator.consumer_check(rng, device, now=now, short=short)
        assert reading.check is not None
        missing = reading.check.declared_g - reading.mass_g
        allowed = simulator.tolerable_deficiency_g(reading.check.declared_g)
        # The scale rounds to one division (5 g): honest sellers may look half a division short.
        assert (missing > allowed) if short else (missing <= allowed + 3)
        assert reading.check.category in protocol.GOODS_CATEGORIES


def test_generated_messages_parse_except_the_malformed_ones() -> None:
    rng = random.Random(11)
    devices = simulator.make_devices(rng, count=3)
    labels: Counter[str] = Counter()
    for n in range(3000):
        outcome = simulator.next_message(
            rng, devices[n % 3], now=simulator.utc_now(), short_ratio=0.1, malformed_ratio=0.05
        )
        parsed = protocol.parse(outcome.topic, outcome.payload)
        assert isinstance(parsed, protocol.Rejection) == (outcome.label == "malformed"), outcome
        labels[outcome.label] += 1
    assert set(labels) == {"check", "short", "selfcheck", "status", "malformed"}
    # Sequence numbers stay gap-free per device: a malformed message does not take one.
    assert sum(device.seq for device in devices) == 3000 - labels["malformed"]


def test_simulate_publishes_what_it_reports(mosquitto: MosquittoBroker) -> None:
    received: list[tuple[str, bytes]] = []
    lock, subscribed = threading.Lock(), threading.Event()

    def on_message(client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with lock:
            received.append((message.topic, bytes(message.payload)))

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="sim-watcher")
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    address = broker_address(mosquitto.url)
    client.connect(address.host, address.port)
    client.subscribe([(f, 1) for f in protocol.subscriptions()])
    client.loop_start()
    assert subscribed.wait(10)
    args = ["simulate", "--devices", "4", "--count", "400", "--rate", "2000", "--seed", "3"]
    result = CliRunner().invoke(
        app, [*args, "--broker", mosquitto.url, "--malformed-ratio", "0.05"]
    )
    assert result.exit_code == 0, result.output
    assert "Sent 400 messages from 4 devices" in result.output
    assert "400 acknowledged" in result.output
    client.disconnect()
    client.loop_stop()
    rejected = [p for t, p in received if isinstance(protocol.parse(t, p), protocol.Rejection)]
    malformed = int(result.output.rsplit("malformed / bản tin lỗi: ", 1)[1].split()[0])
    assert len(received) == 400
    assert len(rejected) == malformed > 0
    routes = [protocol.split_topic(t) for t, _ in received]
    assert {route[0] for route in routes if route} == {"sim-001", "sim-002", "sim-003", "sim-004"}
