"""The gateway agent beside a control scale: indicator serial line → outbox → MQTT, QoS 1.

Every stable weighing becomes a Reading with this boot's id and the next sequence number, is
written to the on-disk outbox, then handed to paho in order; the outbox entry is deleted only
when its PUBACK arrives. While the broker is unreachable readings pile up in the outbox and go
out later, oldest first. Only this module and the simulator import paho on the device side.
"""

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import serial
from paho.mqtt.enums import CallbackAPIVersion

from devices import protocol
from devices.outbox import Outbox
from devices.serial_formats import IndicatorReading, Unreadable, parse_line

log = logging.getLogger(__name__)
FIRMWARE = "metrology-device-0.1"


@dataclass(frozen=True)
class Broker:
    """Where the MQTT broker listens."""

    host: str
    port: int
    tls: bool


def broker_address(url: str) -> Broker:
    """Read mqtt://host[:port] or mqtts://host[:port]."""
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
        raise ValueError(f"broker URL must look like mqtt://host:1883, not {url!r}")
    tls = parts.scheme == "mqtts"
    return Broker(parts.hostname, parts.port or (8883 if tls else 1883), tls)


def make_client(
    *, client_id: str, username: str | None = None, password: str | None = None
) -> mqtt.Client:
    """Build a paho 2.x client (callback API v2) that retries with exponential backoff."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    if username:
        client.username_pw_set(username, password)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # The outbox bounds what paho holds; paho's own queue limit would only drop messages.
    client.max_queued_messages_set(0)
    return client


@dataclass
class WeighingFilter:
    """Pass one stable reading per weighing: a new stable mass after the load changed."""

    min_g: Decimal = Decimal(20)
    _last: Decimal | None = None

    def accept(self, reading: IndicatorReading) -> bool:
        """Tell whether this indicator reading is a new weighing to publish."""
        if reading.mass_g < self.min_g:
            self._last = None  # the pan is empty: the next stable load is a new weighing
            return False
        if not reading.stable or reading.mass_g == self._last:
            return False
        self._last = reading.mass_g
        return True


@dataclass
class Sequence:
    """This boot's id and its monotonically increasing sequence numbers."""

    boot: str = field(default_factory=lambda: str(uuid.uuid4()))
    _next: int = 0

    def take(self) -> int:
        """Return the next sequence number."""
        value, self._next = self._next, self._next + 1
        return value


class Publisher:
    """Hand outbox entries to paho in order, a window at a time; delete them on PUBACK."""

    def __init__(self, client: mqtt.Client, outbox: Outbox, *, window: int = 100) -> None:
        self._client, self._outbox, self._window = client, outbox, window
        self._acks: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._pending: dict[int, int] = {}
        self._handed = 0
        client.on_publish = self._on_publish

    def _on_publish(self, client: Any, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        # paho's network thread: only note the mid; the agent's thread touches the outbox.
        self._acks.put(mid)

    def pump(self) -> None:
        """Delete acknowledged entries and hand the next ones to paho."""
        while not self._acks.empty():
            position = self._pending.pop(self._acks.get(), None)
            if position is not None:
                self._outbox.delete(position)
        room = self._window - len(self._pending)
        for entry in self._outbox.after(self._handed, limit=room) if room > 0 else []:
            # paho keeps QoS 1 messages across reconnects and resends them in order.
            info = self._client.publish(entry.topic, entry.payload, qos=1)
            self._pending[info.mid] = entry.id
            self._handed = entry.id

    @property
    def pending(self) -> int:
        """Return how many handed messages still wait for their PUBACK."""
        return len(self._pending)


class LineReader:
    """Split a serial port's bytes into lines without losing a partial line to a timeout."""

    def __init__(self, port: serial.Serial) -> None:
        self._port, self._buffer = port, b""

    def lines(self) -> list[bytes]:
        """Return the complete lines received so far."""
        self._buffer += self._port.read(max(1, self._port.in_waiting))
        *complete, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > 1024:  # a line that never ends is noise
            self._buffer = b""
        return complete


@dataclass(frozen=True, kw_only=True)
class AgentConfig:
    """What the agent needs to know."""

    port: str
    device_id: str
    broker: str
    outbox: Path
    username: str | None = None
    password: str | None = None
    baudrate: int = 9600
    status_interval_s: float = 60.0
    min_g: Decimal = Decimal(20)


class Agent:
    """Read the indicator, queue weighings durably, publish them."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.sequence = Sequence()
        self.filter = WeighingFilter(min_g=config.min_g)
        self.started = time.monotonic()
        self.last_status = 0.0

    def enqueue(self, outbox: Outbox, message: protocol.Message) -> None:
        """Write a message to the outbox (durable before it is published)."""
        kind = protocol.kind_of(message)
        topic = protocol.topic(self.config.device_id, kind)
        outbox.append(topic=topic, payload=protocol.encode(message))

    def on_line(self, outbox: Outbox, raw: bytes) -> None:
        """Turn one indicator line into a queued Reading when it is a new stable weighing."""
        reading = parse_line(raw)
        if isinstance(reading, Unreadable):
            log.debug("indicator line skipped (%s): %r", reading.code, reading.line)
            return
        if not self.filter.accept(reading):
            return
        message = protocol.Reading(
            boot=self.sequence.boot,
            seq=self.sequence.take(),
            measured_at=datetime.now().astimezone(),
            mass_g=reading.mass_g,
            stable=True,
        )
        self.enqueue(outbox, message)

    def maybe_status(self, outbox: Outbox) -> None:
        """Queue a Status message when the interval has passed."""
        interval = self.config.status_interval_s
        now = time.monotonic()
        if interval <= 0 or now - self.last_status < interval:
            return
        self.last_status = now
        errors = ("outbox_backlog",) if len(outbox) > 1000 else ()
        message = protocol.Status(
            boot=self.sequence.boot,
            seq=self.sequence.take(),
            measured_at=datetime.now().astimezone(),
            uptime_s=int(now - self.started),
            firmware=FIRMWARE,
            errors=errors,
        )
        self.enqueue(outbox, message)


def run_agent(config: AgentConfig, *, stop: threading.Event) -> None:
    """Run the agent until `stop` is set."""
    broker = broker_address(config.broker)
    outbox = Outbox(config.outbox)
    client = make_client(
        client_id=config.device_id, username=config.username, password=config.password
    )
    if broker.tls:
        client.tls_set()
    publisher = Publisher(client, outbox)
    agent = Agent(config)
    client.connect_async(broker.host, broker.port, keepalive=30)
    client.loop_start()
    try:
        with serial.Serial(config.port, config.baudrate, timeout=0.2) as port:
            reader = LineReader(port)
            log.info("agent %s reading the indicator on %s", config.device_id, config.port)
            while not stop.is_set():
                for raw in reader.lines():
                    agent.on_line(outbox, raw)
                agent.maybe_status(outbox)
                publisher.pump()
    finally:
        _drain(publisher, seconds=2.0)
        client.disconnect()
        client.loop_stop()
        outbox.close()


def _drain(publisher: Publisher, *, seconds: float) -> None:
    # Give in-flight messages a moment to be acknowledged; what is left stays in the outbox.
    deadline = time.monotonic() + seconds
    while publisher.pending and time.monotonic() < deadline:
        time.sleep(0.05)
        publisher.pump()
