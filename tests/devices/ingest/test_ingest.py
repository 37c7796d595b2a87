"""The ingest against a real Mosquitto: duplicates, broker restarts, floods of bad input."""

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlmodel import select

from devices.ingest import start_ingest
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


def test_duplicates_are_absorbed(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market]
) -> None:
    engine, market = market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    before = _metric("metrology_ingest_duplicates_total")
    with running_ingest(engine, mosquitto.url):
        pub = Publisher(mosquitto.port, client_id="pub-dup")
        first = [(topic, reading_payload(i)) for i in range(500)]
        pub.publish_all(first)
        pub.publish_all(first)  # every message again, as a device resending after a cut would
        pub.close()
        assert _wait_for(lambda: _metric("metrology_ingest_duplicates_total") - before >= 500)
    assert count(engine, Reading) == 500
    assert distinct_seqs(engine) == 500
    assert _metric("metrology_ingest_duplicates_total") - before == 500


def test_broker_restart_mid_stream_loses_nothing(
    mosquitto_factory: BrokerFactory, market_db: tuple[Engine, Market]
) -> None:
    engine, market = market_db
    broker = mosquitto_factory(persistence=True)
    topic = f"metrology/v1/{market.device_id}/readings"
    total = 4000
    with running_ingest(engine, broker.url):
        pub = Publisher(broker.port, client_id="pub-restart")

        def send() -> None:
            for start in range(0, total, 100):
                pub.publish_all([(topic, reading_payload(i)) for i in range(start, start + 100)])

        sender = threading.Thread(target=send)
        sender.start()
        assert _wait_for(lambda: count(engine, Reading) > 500)
        broker.restart()  # stop (state saved) and start on the same port while messages flow
        sender.join(120)
        assert not sender.is_alive()
        assert _wait_for(lambda: count(engine, Reading) >= total, timeout=90)
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
    expected = sum(1 for t, _ in garbage if not t.endswith("/bogus"))
    assert expected == 8_000
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
