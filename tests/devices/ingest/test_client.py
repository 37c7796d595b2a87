"""The ingest's paho client: bulk reads, the lean QoS 1 path and batched PUBACKs.

A fake socket hands the client a stream of PUBLISH packets cut at random places, one chunk per
"readable" wake-up; what the client delivers must be what stock paho delivers for the same bytes,
and nothing may stay buffered after a wake-up (paho would then sleep in select() on it).
"""

import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from devices.ingest import IngestClient
from metrology_svc.readings.models import Reading
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import Market, Publisher, count, reading_payload
from tests.mqtt_broker import MosquittoBroker

Received = tuple[bytes, bytes, int, int, bool]  # topic, payload, packet id, QoS, retained


class FakeSocket:
    """A non-blocking socket whose data arrives in the chunks given."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()

    def recv(self, size: int) -> bytes:
        if not self.chunks:
            raise BlockingIOError
        chunk = self.chunks.popleft()
        if len(chunk) > size:
            self.chunks.appendleft(chunk[size:])
            chunk = chunk[:size]
        return chunk

    def close(self) -> None:
        self.chunks.clear()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def publish_packet(
    topic: bytes,
    payload: bytes,
    mid: int,
    *,
    qos: int = 1,
    props: bytes = b"",
    retain: bool = False,
) -> bytes:
    """Return an MQTT 5 PUBLISH packet."""
    body = len(topic).to_bytes(2, "big") + topic
    if qos:
        body += mid.to_bytes(2, "big")
    body += _varint(len(props)) + props + payload
    return bytes((0x30 | qos << 1 | retain,)) + _varint(len(body)) + body


def _stream(rng: random.Random) -> tuple[bytes, list[Received]]:
    packets, expected = [], []
    for i in range(1, 3001):
        topic = f"metrology/v1/cs-{i % 7:02d}/readings".encode()
        size = rng.choice([0, 20, 190, 200, 5000, 20000])  # 1-, 2- and 3-byte lengths
        payload = bytes(rng.randrange(256) for _ in range(min(size, 64))) * (size // 64 + 1)
        payload = payload[:size]
        qos = 0 if i % 97 == 0 else 1  # the odd QoS 0 message takes paho's own path
        props = b""
        if i % 5 == 0:  # payload format indicator, then a user property
            props = b"\x01\x01" + b"\x26" + b"\x00\x01k" + b"\x00\x02vv"
        if i % 211 == 0:
            topic = b"metrology/v1/\xff\xfe/readings"  # not UTF-8: still delivered
        mid = i % 65535 + 1
        retain = i % 13 == 0  # replayed from the broker's retained store
        packets.append(publish_packet(topic, payload, mid, qos=qos, props=props, retain=retain))
        expected.append((topic, payload, mid if qos else 0, qos, retain))
    return b"".join(packets), expected


def _chunks(data: bytes, rng: random.Random) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        step = rng.choice([1, 2, 3, 7, 100, 1000, 40_000, 300_000])
        out.append(data[pos : pos + step])
        pos += step
    return out


def _client(cls: type[mqtt.Client], sock: FakeSocket) -> mqtt.Client:
    client = cls(
        CallbackAPIVersion.VERSION2,
        client_id="t",
        protocol=MQTTProtocolVersion.MQTTv5,
        manual_ack=True,
    )
    client._sock = sock  # type: ignore[assignment]
    return client


def _on_message(into: list[Received]) -> Callable[[mqtt.Client, Any, mqtt.MQTTMessage], None]:
    def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        into.append(
            (msg._topic, bytes(msg.payload), msg.mid if msg.qos else 0, msg.qos, bool(msg.retain))
        )

    return on_message


def test_bulk_reads_deliver_what_stock_paho_delivers_and_leave_nothing_buffered() -> None:
    rng = random.Random(7)
    data, expected = _stream(rng)
    chunks = _chunks(data, rng)

    stock_sock, stock_got = FakeSocket(), list[Received]()
    stock = _client(mqtt.Client, stock_sock)
    stock.on_message = _on_message(stock_got)
    stock_sock.chunks.extend(chunks)
    while stock_sock.chunks:
        assert stock.loop_read() == mqtt.MQTT_ERR_SUCCESS
    assert stock_got == expected

    sock, got = FakeSocket(), list[Received]()
    client = _client(IngestClient, sock)
    assert isinstance(client, IngestClient)
    client.on_message = _on_message(got)

    def on_delivery(topic: bytes, payload: bytes, mid: int, retained: bool) -> None:
        got.append((topic, payload, mid, 1, retained))

    client.on_delivery = on_delivery
    wakeups = 0
    for chunk in chunks:  # a chunk arrives; while select() says readable, paho calls loop_read()
        sock.chunks.append(chunk)
        while sock.chunks:
            assert client.loop_read() == mqtt.MQTT_ERR_SUCCESS
            wakeups += 1
            assert client._rpos >= len(client._rbuf)  # every whole packet read was handled
    assert got == expected
    assert wakeups < len(expected) / 5  # many packets per wake-up, not one


def test_acks_of_a_batch_leave_as_one_packet() -> None:
    client = _client(IngestClient, FakeSocket())
    assert isinstance(client, IngestClient)
    client.ack_many([])
    assert not client._out_packet
    client.ack_many([1, 258, 65535])
    assert len(client._out_packet) == 1
    assert client._out_packet[0]["packet"] == bytes.fromhex("40020001400201024002ffff")


def test_the_devices_acks_ride_in_the_same_write_as_plain_qos0_publishes() -> None:
    client = _client(IngestClient, FakeSocket())
    assert isinstance(client, IngestClient)
    acks = [("metrology/v1/cs-01/ack", b'{"v":1}'), ("metrology/v1/cs-02/ack", b"x" * 200)]
    client.ack_many([1, 258], acks)
    assert len(client._out_packet) == 1
    data = bytes(client._out_packet[0]["packet"])
    assert data[:8] == bytes.fromhex("4002000140020102")  # the PUBACKs first
    # The rest is what stock paho reads as two QoS 0 PUBLISH packets, not retained.
    sock, got = FakeSocket(), list[Received]()
    reader = _client(mqtt.Client, sock)
    reader.on_message = _on_message(got)
    sock.chunks.append(data[8:])
    while sock.chunks:
        assert reader.loop_read() == mqtt.MQTT_ERR_SUCCESS
    assert got == [(topic.encode(), payload, 0, 0, False) for topic, payload in acks]


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


@pytest.mark.parametrize("path", ["fast", "stock"])
def test_acked_messages_are_not_delivered_again(
    mosquitto: MosquittoBroker, sqlite_market_db: tuple[Engine, Market], path: str
) -> None:
    """PUBACKs (batched, or stock paho's one by one) reach the broker: nothing to redeliver."""
    engine, market = sqlite_market_db
    topic = f"metrology/v1/{market.device_id}/readings"
    with running_ingest(engine, mosquitto.url, mqtt_client_id="ing-acks", ingest_receive_path=path):
        pub = Publisher(mosquitto.port, client_id="pub-acks")
        pub.publish_all([(topic, reading_payload(i)) for i in range(3000)])
        pub.close()
        deadline = time.monotonic() + 60
        while count(engine, Reading) < 3000 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the acks follow the commit
    received = _metric("metrology_ingest_received_total")
    with running_ingest(engine, mosquitto.url, mqtt_client_id="ing-acks", ingest_receive_path=path):
        time.sleep(2.0)  # anything unacknowledged would be sent again now
    assert count(engine, Reading) == 3000
    assert _metric("metrology_ingest_received_total") == received
