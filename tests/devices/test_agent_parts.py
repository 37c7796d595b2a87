"""The agent's parts without a broker: weighing filter, outbox, publisher and acks, URLs, lines."""

import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
from typer.testing import CliRunner

from devices import protocol
from devices.acks import encode_ack, ranges
from devices.agent import LineReader, Publisher, WeighingFilter, broker_address
from devices.cli import app
from devices.outbox import Outbox
from devices.protocol import ack_topic
from devices.serial_formats import IndicatorReading

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def _shown(grams: str, *, stable: bool = True) -> IndicatorReading:
    return IndicatorReading(Decimal(grams), stable, False, "stgs")


def test_one_weighing_is_published_once_however_long_it_stays_on_the_pan() -> None:
    weighing = WeighingFilter(min_g=Decimal(20))
    shown = ["0", "700", "1234", "1234", "1234", "1250", "0", "1250", "10", "1250"]
    stable = [True, False, True, True, True, True, True, True, True, True]
    accepted = [weighing.accept(_shown(g, stable=s)) for g, s in zip(shown, stable, strict=True)]
    # 1234 once; 1250 when goods were added; 1250 again after the pan emptied (twice).
    assert accepted == [False, False, True, False, False, True, False, True, False, True]


def test_outbox_keeps_order_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "box" / "outbox.db"
    box = Outbox(path)
    ids = [box.append(topic="t", payload=f"{n}".encode()) for n in range(5)]
    box.delete(ids[1])
    box.close()
    box = Outbox(path)
    assert [e.payload for e in box.after(0, limit=10)] == [b"0", b"2", b"3", b"4"]
    assert [e.payload for e in box.after(ids[2], limit=1)] == [b"3"]
    assert len(box) == 4
    box.close()


def test_an_ack_deletes_exactly_the_entries_of_its_boot_in_its_ranges(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    for boot in ("b-1", "b-2"):
        for seq in range(6):
            box.append(topic="t", payload=_payload(seq, boot=boot))
    gone = box.delete_acked("b-1", [(1, 2), (4, 9)])
    assert len(gone) == 4
    left = [(e.boot, e.seq) for e in box.after(0, limit=20)]
    assert left == [("b-1", 0), ("b-1", 3)] + [("b-2", n) for n in range(6)]
    assert box.delete_acked("b-1", [(1, 2)]) == []  # acked twice: nothing more goes
    assert box.oldest() == box.after(0, limit=1)[0].id
    box.close()


def test_an_outbox_of_the_previous_agent_gets_boot_and_seq_from_its_payloads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.db"
    with sqlite3.connect(path) as db:  # the table as agents before end-to-end acks made it
        db.execute(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, "
            "payload BLOB NOT NULL)"
        )
        rows = [("t", _payload(n, boot="old")) for n in range(3)] + [("t", b"not json")]
        db.executemany("INSERT INTO outbox (topic, payload) VALUES (?, ?)", rows)
    db.close()
    box = Outbox(path)
    entries = box.after(0, limit=10)
    assert [(e.boot, e.seq) for e in entries] == [("old", 0), ("old", 1), ("old", 2), (None, None)]
    assert len(box.delete_acked("old", [(0, 2)])) == 3
    box.close()
    again = Outbox(path)
    assert [(e.boot, e.seq) for e in again.after(0, limit=10)] == [(None, None)]
    again.close()


BOOT = "b-1"
DEVICE = "cs-parts"


def _payload(seq: int, *, boot: str = BOOT) -> bytes:
    message = protocol.Reading(
        boot=boot, seq=seq, measured_at=T0, mass_g=Decimal(1000 + seq), stable=True
    )
    return protocol.encode(message)


@dataclass
class FakeClient:
    """Stands in for paho: records publishes (each gets the next mid) and subscriptions.

    puback, connect and ack call the callbacks paho calls when a PUBACK, a CONNACK or a message
    on the ack topic arrives.
    """

    published: list[tuple[int, int]] = field(default_factory=list)  # (mid, seq)
    subscribed: list[str] = field(default_factory=list)
    on_publish: Any = None
    on_message: Any = None
    on_connect: Any = None

    def publish(self, topic: str, payload: bytes, qos: int) -> Any:
        assert qos == 1
        self.published.append((len(self.published) + 1, json.loads(payload)["seq"]))
        return type("Info", (), {"mid": len(self.published)})()

    def subscribe(self, topic: str, qos: int) -> None:
        self.subscribed.append(topic)

    def puback(self, *mids: int) -> None:
        for mid in mids:
            self.on_publish(self, None, mid, 0, None)

    def connect(self) -> None:
        self.on_connect(self, None, None, ReasonCode(PacketTypes.CONNACK, "Success"), None)

    def ack(self, seqs: set[int], *, boot: str = BOOT, payload: bytes | None = None) -> None:
        message = mqtt.MQTTMessage(topic=ack_topic(DEVICE).encode())
        message.payload = payload if payload is not None else encode_ack(boot, ranges(seqs))
        self.on_message(self, None, message)

    def seqs(self, start: int = 0) -> list[int]:
        """Return the seqs published from the start-th publish on."""
        return [seq for _, seq in self.published[start:]]

    def puback_all(self, publisher: Publisher) -> None:
        """PUBACK everything published so far, pumping until nothing new goes out."""
        done = 0
        while done < len(self.published):
            self.puback(*range(done + 1, len(self.published) + 1))
            done = len(self.published)
            publisher.pump()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _rig(
    tmp_path: Path, entries: int, *, window: int, timeout: float = 600.0
) -> tuple[Outbox, FakeClient, Publisher, Clock]:
    box = Outbox(tmp_path / "outbox.db")
    for seq in range(entries):
        box.append(topic=protocol.topic(DEVICE, "reading"), payload=_payload(seq))
    client, clock = FakeClient(), Clock()
    publisher = Publisher(
        client,  # type: ignore[arg-type]
        box,
        device_id=DEVICE,
        window=window,
        ack_timeout_s=timeout,
        clock=clock,
    )
    return box, client, publisher, clock


def _left(box: Outbox) -> list[int | None]:
    return [e.seq for e in box.after(0, limit=1000)]


def test_publisher_keeps_each_entry_after_its_puback_until_an_ack_covers_it(
    tmp_path: Path,
) -> None:
    box, client, publisher, _ = _rig(tmp_path, 5, window=2)
    publisher.pump()
    assert client.seqs() == [0, 1]
    client.puback(2)
    publisher.pump()  # the PUBACK frees one place in the window: the next entry goes out
    assert client.seqs() == [0, 1, 2]
    assert publisher.pending == 2
    assert _left(box) == [0, 1, 2, 3, 4]  # a PUBACK deletes nothing
    client.ack({1, 2})
    publisher.pump()
    assert _left(box) == [0, 3, 4]
    client.puback_all(publisher)
    assert client.seqs() == [0, 1, 2, 3, 4]  # each once: no ack was missed, nothing resent
    client.ack({0, 3, 4})
    publisher.pump()
    assert _left(box) == []
    box.close()


def test_after_a_reconnect_what_no_ack_covered_goes_again_in_order_a_window_at_a_time(
    tmp_path: Path,
) -> None:
    box, client, publisher, _ = _rig(tmp_path, 6, window=2)
    publisher.pump()
    client.puback_all(publisher)
    client.ack({1})
    publisher.pump()
    first = len(client.published)
    client.connect()
    assert client.subscribed == [ack_topic(DEVICE)]  # on every connect: acks come back to it
    publisher.pump()
    client.puback_all(publisher)
    # Two resent and waiting for their acks (the ingest may be away): the pass waits too.
    assert client.seqs(first) == [0, 2]
    for acked in ({0, 2}, {3, 4}, {5}):
        client.ack(acked)
        publisher.pump()
        client.puback_all(publisher)
    assert client.seqs(first) == [0, 2, 3, 4, 5]
    assert _left(box) == []
    assert not publisher.resending
    box.close()


def test_entries_still_waiting_for_their_puback_are_left_to_paho_after_a_reconnect(
    tmp_path: Path,
) -> None:
    box, client, publisher, _ = _rig(tmp_path, 4, window=3)
    publisher.pump()
    client.puback(1)  # seq 0 reached the broker; 1 and 2 wait, and paho resends those itself
    client.connect()
    publisher.pump()
    assert client.seqs() == [0, 1, 2, 0]
    client.puback(2, 3, 4)
    publisher.pump()
    assert client.seqs() == [0, 1, 2, 0, 3]
    box.close()


def test_new_readings_go_out_while_a_resend_pass_waits_for_the_ingest(tmp_path: Path) -> None:
    box, client, publisher, _ = _rig(tmp_path, 4, window=2)
    publisher.pump()
    client.puback_all(publisher)
    client.connect()
    publisher.pump()
    client.puback_all(publisher)
    assert client.seqs(4) == [0, 1]  # one window resent; no ack comes (the ingest is away)
    for seq in (4, 5, 6):
        box.append(topic=protocol.topic(DEVICE, "reading"), payload=_payload(seq))
    publisher.pump()
    client.puback_all(publisher)
    assert client.seqs(6) == [4, 5, 6]
    assert publisher.resending
    box.close()


def test_the_oldest_unacked_entry_goes_again_after_the_timeout_then_less_often(
    tmp_path: Path,
) -> None:
    box, client, publisher, clock = _rig(tmp_path, 3, window=10, timeout=100)
    publisher.pump()
    client.puback_all(publisher)
    client.ack({1, 2})  # the broker lost seq 0 (or its ack): later acks must not hide that
    for clock.now in (50.0, 99.0):
        publisher.pump()
    assert client.seqs(3) == []
    clock.now = 100.0
    publisher.pump()
    client.puback_all(publisher)
    assert client.seqs(3) == [0]
    clock.now = 299.0  # the wait doubled: nothing before 100 + 200
    publisher.pump()
    assert client.seqs(3) == [0]
    clock.now = 300.0
    publisher.pump()
    client.puback_all(publisher)
    assert client.seqs(3) == [0, 0]
    client.ack({0})
    clock.now = 10_000.0
    publisher.pump()
    assert _left(box) == []
    assert client.seqs(3) == [0, 0]
    box.close()


def test_acks_of_another_boot_and_messages_that_are_not_acks_delete_nothing(
    tmp_path: Path,
) -> None:
    box, client, publisher, _ = _rig(tmp_path, 3, window=3)
    publisher.pump()
    client.ack({0, 1, 2}, boot="b-other")
    client.ack(set(), payload=b'{"v":1,"kind":"ack","boot":"b-1","seqs":[[2,0]]}')
    client.ack(set(), payload=b"\xff")
    publisher.pump()
    assert _left(box) == [0, 1, 2]
    box.close()


def test_an_entry_that_names_no_boot_and_seq_leaves_on_its_puback(tmp_path: Path) -> None:
    box, client, publisher, _ = _rig(tmp_path, 1, window=3)
    box.append(topic="t", payload=b'{"seq": 1, "note": "no boot: an old agent wrote it"}')
    publisher.pump()
    client.puback(1, 2)
    publisher.pump()
    assert _left(box) == [0]
    box.close()


class LossyNetwork:
    """A broker that may PUBACK and then lose a message, and an ingest whose acks may be lost."""

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.pubacked = 0  # publishes the broker has answered
        self.received: set[int] = set()  # seqs that reached the ingest
        self.acked: set[int] = set()  # seqs the ingest has acked (or whose ack it lost)

    def broker(self, *, lose: bool) -> None:
        for mid, seq in self.client.published[self.pubacked :]:
            self.client.puback(mid)
            if not lose:
                self.received.add(seq)
        self.pubacked = len(self.client.published)

    def ingest(self, *, lose: bool) -> None:
        news = self.received - self.acked
        if news and not lose:
            self.client.ack(news)
        self.acked |= news


@settings(max_examples=60)
@given(
    entries=st.integers(min_value=1, max_value=25),
    window=st.integers(min_value=1, max_value=4),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["pump", "broker", "ingest", "reconnect", "tick", "append"]),
            st.booleans(),
        ),
        max_size=80,
    ),
)
def test_whatever_the_network_loses_every_reading_arrives_and_the_outbox_empties(
    entries: int, window: int, steps: list[tuple[str, bool]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box, client, publisher, clock = _rig(Path(tmp), entries, window=window, timeout=10)
        network, made = LossyNetwork(client), entries
        for action, flag in steps:
            if action == "pump":
                publisher.pump()
            elif action == "broker":
                network.broker(lose=flag)
            elif action == "ingest":
                network.ingest(lose=flag)
            elif action == "reconnect":
                client.connect()
            elif action == "tick":
                clock.now += 7
            else:
                box.append(topic="t", payload=_payload(made))
                made += 1
        for _ in range(4 * made + 10):  # the network behaves from now on
            network.acked.clear()  # the ingest acks again what reaches it again
            publisher.pump()
            network.broker(lose=False)
            network.ingest(lose=False)
            publisher.pump()
            if not _left(box):
                break
            clock.now += 8 * 10 + 1  # beyond the longest wait
        assert network.received == set(range(made))
        assert _left(box) == []
        box.close()


@pytest.mark.parametrize(
    ("url", "host", "port", "tls"),
    [
        ("mqtt://broker.local", "broker.local", 1883, False),
        ("mqtt://127.0.0.1:18830", "127.0.0.1", 18830, False),
        ("mqtts://mqtt.tdc.gov.vn", "mqtt.tdc.gov.vn", 8883, True),
    ],
)
def test_broker_urls(url: str, host: str, port: int, tls: bool) -> None:
    address = broker_address(url)
    assert (address.host, address.port, address.tls) == (host, port, tls)


@pytest.mark.parametrize("url", ["http://x", "broker:1883", "mqtt://"])
def test_bad_broker_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="mqtt://"):
        broker_address(url)


class FakePort:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.in_waiting = chunks, 0

    def read(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def test_line_reader_keeps_a_partial_line_until_it_ends() -> None:
    reader = LineReader(FakePort([b"ST,GS,+00", b"01.234kg\r\nS S  ", b"1.0 kg\r\n"]))
    assert reader.lines() == []
    assert reader.lines() == [b"ST,GS,+0001.234kg\r"]
    assert reader.lines() == [b"S S  1.0 kg\r"]


def test_agent_command_refuses_a_bad_device_id(tmp_path: Path) -> None:
    args = ["agent", "--port", "/dev/null", "--device-id", "Cân 1", "--broker", "mqtt://x"]
    result = CliRunner().invoke(app, [*args, "--outbox", str(tmp_path / "o.db")])
    assert result.exit_code != 0
    assert "device id" in result.output
