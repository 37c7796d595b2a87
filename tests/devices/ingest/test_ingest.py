"""The ingest against a real Mosquitto: duplicates, broker restarts, floods of bad input."""

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlmodel import select

import devices.ingest
from devices.acks import Ack, parse_ack
from devices.ingest import Ingest, IngestClient, start_ingest
from devices.ingest_writer import Delivery
from devices.protocol import ack_topic, parse
from devices.store import BatchOutcome, Incoming
from metrology_svc.app import create_app
from metrology_svc.core.clock import utcnow
from metrology_svc.core.health import add_readiness_check
from metrology_svc.db import new_session
from metrology_svc.readings.models import DeadLetter, Reading
from metrology_svc.settings import Settings
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import (
    Market,
    Publisher,
    count,
    distinct_seqs,
    reading_payload,
)
from tests.mqtt_broker import BrokerFactory, MosquittoBroker


def _wait_for(predicate: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


# The key end-to-end tests run on both ways of reading from paho (devices/ingest.receive_path).
BOTH_PATHS = pytest.mark.parametrize("path", ["fast", "stock"])


@BOTH_PATHS
def test_duplicates_are_absorbed(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market], path: str
) -> None:
    engine, market = market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    before = _metric("metrology_ingest_duplicates_total")
    with running_ingest(engine, mosquitto.url, ingest_receive_path=path):
        pub = Publisher(mosquitto.port, client_id="pub-dup")
        first = [(topic, reading_payload(i)) for i in range(500)]
        pub.publish_all(first)
        pub.publish_all(first)  # every message again, as a device resending after a cut would
        pub.close()
        assert _wait_for(lambda: _metric("metrology_ingest_duplicates_total") - before >= 500)
    assert count(engine, Reading) == 500
    assert distinct_seqs(engine) == 500
    assert _metric("metrology_ingest_duplicates_total") - before == 500


@BOTH_PATHS
def test_broker_restart_mid_stream_loses_nothing(
    mosquitto_factory: BrokerFactory, market_db: tuple[Engine, Market], path: str
) -> None:
    engine, market = market_db
    broker = mosquitto_factory(persistence=True)
    topic = f"metrology/v1/{market.device_id}/readings"
    total = 4000
    failed: list[BaseException] = []
    with running_ingest(engine, broker.url, ingest_receive_path=path):
        pub = Publisher(broker.port, client_id="pub-restart")

        def send() -> None:
            # Every reading must reach the broker (PUBACK) before the end.
            try:
                for start in range(0, total, 100):
                    batch = [(topic, reading_payload(i)) for i in range(start, start + 100)]
                    pub.publish_all(batch)
            except BaseException as exc:  # said by the test below, not lost with the thread
                failed.append(exc)

        sender = threading.Thread(target=send)
        sender.start()
        assert _wait_for(lambda: count(engine, Reading) > 500)
        broker.restart()  # stop (state saved) and start on the same port while messages flow
        sender.join(120)
        assert not sender.is_alive()
        assert not failed, f"the publisher's thread failed: {failed[0]!r}"
        # Every reading was acknowledged by the broker: each must now be stored, exactly once.
        stored = _wait_for(lambda: count(engine, Reading) >= total, timeout=90)
        assert stored, (
            f"{count(engine, Reading)} of {total} readings stored "
            f"({distinct_seqs(engine)} distinct), {count(engine, DeadLetter)} dead letters, "
            f"broker log: {broker.log_path.read_text(errors='replace')[-1500:]}"
        )
        pub.close()
    assert count(engine, Reading) == total
    assert distinct_seqs(engine) == total


def _garbage(rng: random.Random, device_id: str, i: int) -> tuple[str, bytes]:
    topics = [
        f"metrology/v1/{device_id}/readings",
        f"metrology/v1/{device_id}/selfcheck",
        f"metrology/v1/{device_id}/bogus",
        "metrology/v1/cs-unknown-device/readings",
        "metrology/v1/NOT_AN_ID/status",
    ]
    kind = i % 4
    if kind == 0:
        payload = rng.randbytes(rng.randint(0, 300))
    elif kind == 1:
        payload = json.dumps({"v": 1, "kind": "reading", "seq": rng.random()}).encode()
    elif kind == 2:
        payload = json.dumps([rng.random() for _ in range(5)]).encode()
    else:
        payload = b'{"v":1,' + b"x" * rng.randint(0, 5000)
    return topics[i % len(topics)], payload


def test_ten_thousand_malformed_payloads_are_dead_lettered_and_the_consumer_lives(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market]
) -> None:
    engine, market = market_db
    rng = random.Random(20261122)
    garbage = [_garbage(rng, market.device_id, i) for i in range(10_000)]
    # A sanity check on the generator: none of these may be a valid message.
    assert not any(p == reading_payload(0) for _, p in garbage)
    # The ingest subscribes to the three data topics only (not to acks): a publish on another
    # topic of a device is refused by the broker's ACL, so only these reach the dead letters.
    delivered = [(t, p) for t, p in garbage if not t.endswith("/bogus")]
    assert len(delivered) == 8_000
    # A dead letter's key is its (topic, payload): the generator repeats some (empty payloads,
    # equal lengths of filler), and each distinct message is one row.
    expected = len(set(delivered))
    assert 7_000 < expected < 8_000
    with running_ingest(engine, mosquitto.url):
        pub = Publisher(mosquitto.port, client_id="pub-garbage")
        pub.publish_all(garbage)
        pub.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(7))])
        pub.close()
        assert _wait_for(lambda: count(engine, Reading) == 1, timeout=90)
        assert _wait_for(lambda: count(engine, DeadLetter) >= expected, timeout=90)
    assert count(engine, DeadLetter) == expected
    assert count(engine, Reading) == 1


def test_dead_letters_keep_reason_and_truncated_bytes(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market]
) -> None:
    engine, market = market_db
    big = b"\xff" * 5000
    with running_ingest(engine, mosquitto.url, dead_letter_max_bytes=1024):
        pub = Publisher(mosquitto.port, client_id="pub-dl")
        pub.publish_all([(f"metrology/v1/{market.device_id}/readings", big)])
        pub.close()
        assert _wait_for(lambda: count(engine, DeadLetter) == 1)
    with new_session(engine) as session:
        letter = session.exec(select(DeadLetter)).one()
    assert letter.payload == big[:1024]
    assert letter.payload_size == 5000
    assert letter.reason.startswith("too_large")
    assert letter.topic.endswith("/readings")


def test_the_ingest_waits_for_a_broker_that_is_not_there_yet(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    broker = MosquittoBroker(tmp_path)  # its port is chosen, but nothing listens yet
    ingest = start_ingest(settings=Settings(mqtt_url=broker.url), engine=engine)
    try:
        assert not ingest.connected.wait(1.5)
        broker.start()
        assert ingest.connected.wait(30)
        pub = Publisher(broker.port, client_id="pub-late")
        topic = f"metrology/v1/{market.device_id}/readings"
        for _ in range(50):  # until the subscription is in place; repeats are absorbed
            pub.publish_all([(topic, reading_payload(1))])
            if _wait_for(lambda: count(engine, Reading) == 1, timeout=0.5):
                break
        pub.close()
    finally:
        ingest.stop()
        broker.stop()
    assert count(engine, Reading) == 1


def test_two_ingests_on_a_shared_subscription_split_the_load(
    mosquitto: MosquittoBroker, sqlite_market_db: tuple[Engine, Market]
) -> None:
    engine, market = sqlite_market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    received_before = _metric("metrology_ingest_received_total")
    with (
        running_ingest(engine, mosquitto.url, mqtt_client_id="ing-a", mqtt_share_group="g") as a,
        running_ingest(engine, mosquitto.url, mqtt_client_id="ing-b", mqtt_share_group="g") as b,
    ):
        pub = Publisher(mosquitto.port, client_id="pub-share")
        pub.publish_all([(topic, reading_payload(i)) for i in range(2000)])
        pub.close()
        assert _wait_for(lambda: count(engine, Reading) == 2000)
        assert a.connected.is_set()
        assert b.connected.is_set()
    # Each message went to one member of the group only: none was received twice.
    assert _metric("metrology_ingest_received_total") - received_before == 2000
    assert distinct_seqs(engine) == 2000


class AckListener:
    """A device's side of end-to-end acks: what it was told, and what the database held then."""

    def __init__(self, port: int, device_id: str, engine: Engine) -> None:
        self.engine = engine
        self.acks: list[Ack] = []
        self.not_yet_stored: list[tuple[str, int]] = []  # acked before its row was committed
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{device_id}-acks")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(ack_topic(device_id), qos=1)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        ack = parse_ack(bytes(msg.payload))
        assert ack is not None, msg.payload
        with new_session(self.engine) as session:
            stored = set(session.exec(select(Reading.seq).where(Reading.boot == ack.boot)).all())
        self.not_yet_stored += [
            (ack.boot, seq)
            for first, last in ack.ranges
            for seq in range(first, last + 1)
            if seq not in stored
        ]
        self.acks.append(ack)

    def covered(self) -> set[tuple[str, int]]:
        """Return every (boot, seq) some ack covered."""
        return {
            (ack.boot, seq)
            for ack in self.acks
            for first, last in ack.ranges
            for seq in range(first, last + 1)
        }

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


@BOTH_PATHS
def test_each_device_is_told_what_was_committed_after_the_commit(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market], path: str
) -> None:
    engine, market = market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    sent = [(topic, reading_payload(i)) for i in range(0, 600) if i % 7 != 3]  # with gaps
    sent += [(topic, reading_payload(i, boot="boot-2")) for i in range(40)]
    sent += [(topic, b"not json"), (topic, reading_payload(5))]  # set aside; a duplicate
    expected = {("boot-1", i) for i in range(600) if i % 7 != 3} | {
        ("boot-2", i) for i in range(40)
    }
    listener = AckListener(mosquitto.port, market.device_id, engine)
    try:
        with running_ingest(engine, mosquitto.url, ingest_receive_path=path):
            pub = Publisher(mosquitto.port, client_id="pub-e2e")
            pub.publish_all(sent)
            pub.close()
            assert _wait_for(lambda: listener.covered() >= expected)
            time.sleep(0.5)  # an ack for anything not sent would show now
    finally:
        listener.close()
    assert listener.covered() == expected  # exactly what was sent: no gap is acked
    assert listener.not_yet_stored == []  # never before the commit
    assert distinct_seqs(engine) == len(expected)


@contextmanager
def _recording_ingest(
    settings: Settings, engine: Engine, seen: list[tuple[bytes, bool]]
) -> Iterator[Ingest]:
    """Run an ingest that notes (payload, retained) of each delivery; yield once subscribed."""
    ingest = Ingest(settings=settings, engine=engine)
    put = ingest.writer.put

    def record(delivery: Delivery) -> None:
        seen.append((delivery.item.payload, delivery.item.retained))
        put(delivery)

    ingest.writer.put = record  # type: ignore[method-assign]
    subscribed = threading.Event()
    ingest.client.on_subscribe = lambda *_args: subscribed.set()
    ingest.start()
    try:
        assert subscribed.wait(15)  # the broker sends retained messages right after its SUBACK
        yield ingest
    finally:
        ingest.stop()


@BOTH_PATHS
def test_a_message_replayed_from_the_retained_store_is_marked_so(
    mosquitto: MosquittoBroker, sqlite_market_db: tuple[Engine, Market], path: str
) -> None:
    engine, market = sqlite_market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    pub = Publisher(mosquitto.port, client_id="pub-retained")
    # Kept by the broker and replayed to a new subscription: no news from the device.
    assert pub.client.publish(topic, reading_payload(1), qos=1, retain=True).rc == 0
    settings = Settings(mqtt_url=mosquitto.url, ingest_batch_ms=20, ingest_receive_path=path)
    seen: list[tuple[bytes, bool]] = []
    try:
        with _recording_ingest(settings, engine, seen):
            pub.publish_all([(topic, reading_payload(2))])  # sent now: live
            assert _wait_for(lambda: count(engine, Reading) == 2, timeout=15)
        # The same session again: its subscriptions are kept, the retained one is not resent.
        with _recording_ingest(settings, engine, seen):
            pub.publish_all([(topic, reading_payload(3))])  # after the SUBACK, so after a replay
            assert _wait_for(lambda: count(engine, Reading) == 3, timeout=15)
    finally:
        pub.close()
    assert seen == [
        (reading_payload(1), True),
        (reading_payload(2), False),
        (reading_payload(3), False),
    ]


def test_an_untested_paho_gets_the_stock_client_and_a_log_line(
    sqlite_market_db: tuple[Engine, Market],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, _market = sqlite_market_db
    monkeypatch.setattr(devices.ingest, "PAHO_VERSION", "2.3.0")
    with caplog.at_level(logging.WARNING, logger="devices.ingest"):
        stock = Ingest(settings=Settings(), engine=engine)
    assert stock.receive_path == "stock"
    assert type(stock.client) is mqtt.Client  # stock paho's public API only
    assert "paho 2.3.0 is not a release the fast receive path was tested on" in caplog.text
    forced = Ingest(settings=Settings(ingest_receive_path="fast"), engine=engine)
    assert isinstance(forced.client, IngestClient)
    monkeypatch.setattr(devices.ingest, "PAHO_VERSION", "2.2.7")
    assert isinstance(Ingest(settings=Settings(), engine=engine).client, IngestClient)
    assert Ingest(settings=Settings(ingest_receive_path="stock"), engine=engine).receive_path == (
        "stock"
    )


def test_readyz_answers_503_while_the_ingest_writer_is_down(
    mosquitto: MosquittoBroker,
    sqlite_market_db: tuple[Engine, Market],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, market = sqlite_market_db
    with running_ingest(engine, mosquitto.url) as ingest:
        app = create_app(settings=Settings(), engine=engine)
        add_readiness_check(app, "ingest", ingest.readiness)
        http = TestClient(app)
        ready = http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["ingest"] == {
            "ready": True,
            "writer_up": True,
            "stalled": False,
            "broker_connected": True,
            "queue_depth": 0,
            "last_commit_age_s": None,  # nothing committed yet
            "writer_restarts": 0,
            "receive_path": ingest.receive_path,
        }
        # A bug stops the writer thread; its supervisor waits a minute before a new one.
        ingest.writer.restart_s = 60

        def stop_the_thread(_items: list[Incoming]) -> BatchOutcome:
            raise SystemExit("a bug")

        monkeypatch.setattr(ingest.writer, "_store", stop_the_thread)
        pub = Publisher(mosquitto.port, client_id="pub-readyz")
        pub.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(1))])
        pub.close()
        assert _wait_for(lambda: not ingest.writer.status().alive, timeout=15)
        down = http.get("/readyz")
        assert down.status_code == 503
        assert down.json()["status"] == "unavailable"
        assert down.json()["database"] is True
        assert down.json()["ingest"]["writer_up"] is False
        assert down.json()["ingest"]["queue_depth"] == 1  # held, neither stored nor acked
        assert _metric("metrology_ingest_writer_up") == 0
    assert count(engine, Reading) == 0


@BOTH_PATHS
def test_a_batch_committed_while_reconnecting_sends_nothing_before_the_connect(
    mosquitto: MosquittoBroker, sqlite_market_db: tuple[Engine, Market], path: str
) -> None:
    """The writer may commit (and ack) just as paho opens a new connection.

    Whatever it sent then would be written before that connection's CONNECT: the broker closes a
    connection whose first packet is not a CONNECT, and a writer that keeps committing at that
    moment would keep the ingest away. Here the commit lands there at every attempt.
    """
    engine, market = sqlite_market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    item = Incoming(topic, reading_payload(1), parse(topic, reading_payload(1)), utcnow())
    with running_ingest(engine, mosquitto.url, ingest_receive_path=path) as ingest:
        old = Delivery(item=item, mid=1, qos=1, generation=ingest._generation)
        # After paho opened the socket and before it queues the CONNECT (paho's own hook).
        ingest.client.on_socket_open = lambda *_args: ingest._ack([old])
        mosquitto.restart()
        assert _wait_for(lambda: not ingest.connected.is_set(), timeout=15)
        assert ingest.connected.wait(15), "the ingest did not get back to the broker"


def test_running_ingest_yields_once_the_ingest_is_subscribed(
    mosquitto: MosquittoBroker,
    sqlite_market_db: tuple[Engine, Market],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The harness the ingest tests share: connected is not enough to start publishing.

    A broker drops what is published on a topic nobody subscribes to yet (a fresh broker holds
    no session of the ingest). The restart test lost its first 100 readings, all PUBACKed, to
    this under load (once in CI, 2 runs in 100 with the CPU saturated): the ingest's SUBSCRIBE
    had not reached the broker before them.
    """
    engine, market = sqlite_market_db
    subscribe = mqtt.Client.subscribe

    def late(self: mqtt.Client, *args: Any, **kwargs: Any) -> tuple[MQTTErrorCode, int | None]:
        # The SUBSCRIBE leaves a second after the CONNACK, as a starved network thread's would.
        threading.Timer(1.0, subscribe, (self, *args), kwargs).start()
        return MQTTErrorCode.MQTT_ERR_SUCCESS, None

    monkeypatch.setattr(mqtt.Client, "subscribe", late)
    with running_ingest(engine, mosquitto.url):
        pub = Publisher(mosquitto.port, client_id="pub-first")
        pub.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(0))])
        pub.close()
        assert _wait_for(lambda: count(engine, Reading) == 1, timeout=15)
