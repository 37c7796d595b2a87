"""The agent's parts without a broker: weighing filter, outbox, publisher window, URLs, lines."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from devices.agent import LineReader, Publisher, WeighingFilter, broker_address
from devices.cli import app
from devices.outbox import Outbox
from devices.serial_formats import IndicatorReading


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


@dataclass
class FakeClient:
    """Records publishes like paho: each gets the next mid."""

    published: list[tuple[str, bytes, int]] = field(default_factory=list)
    on_publish: Any = None

    def publish(self, topic: str, payload: bytes, qos: int) -> Any:
        self.published.append((topic, payload, qos))
        return type("Info", (), {"mid": len(self.published)})()

    def ack(self, mid: int) -> None:
        self.on_publish(self, None, mid, 0, None)


def test_publisher_hands_a_window_in_order_and_deletes_only_acked(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    for n in range(5):
        box.append(topic="t", payload=bytes([n]))
    client = FakeClient()
    publisher = Publisher(client, box, window=2)  # type: ignore[arg-type]
    publisher.pump()
    assert [p for _, p, _ in client.published] == [b"\x00", b"\x01"]
    assert {qos for *_, qos in client.published} == {1}
    client.ack(2)
    publisher.pump()  # the ack frees one place in the window: the next entry goes out
    assert [p for _, p, _ in client.published] == [b"\x00", b"\x01", b"\x02"]
    assert [e.payload for e in box.after(0, limit=10)] == [b"\x00", b"\x02", b"\x03", b"\x04"]
    assert publisher.pending == 2
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
