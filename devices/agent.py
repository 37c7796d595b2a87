"""The gateway agent beside a control scale: indicator serial line → outbox → MQTT, QoS 1.

Every stable weighing becomes a Reading with this boot's id and the next sequence number, is
written to the on-disk outbox, then handed to paho in order. The outbox entry is deleted only when
the ingest's end-to-end ack on metrology/v1/{device}/ack covers it (devices/acks.py): the broker's
PUBACK says only that the broker holds the message, and a broker that crashes loses what it had
not yet saved. While the broker or the ingest is unreachable readings pile up in the outbox and go
out later, oldest first. Only this module and the simulator import paho on the device side.
"""

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
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
from devices.acks import Ack, parse_ack
from devices.outbox import Entry, Outbox
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


Event = tuple[str, Any]  # ("puback", mid) | ("ack", Ack) | ("connected", None), from paho
_EVENTS_PER_PUMP = 1000  # what one pump handles at most; the rest waits for the next pump
_MAX_BACKOFF = 8  # a resend that brings no ack doubles the wait, up to 8 × ack_timeout_s


class Publisher:
    """Hand outbox entries to paho in order; delete them when the ingest's ack covers them.

    New entries go out a window at a time (at most `window` waiting for the broker's PUBACK).
    Entries the broker acknowledged stay in the outbox until an end-to-end ack covers their
    (boot, seq); they are sent again in a resend pass, from the oldest, when:
    - the client (re)connects: a broker that restarted may have lost them, and acks sent while
      the device was away are gone (the device subscribes to its ack topic on every connect);
    - the oldest entry stays unacked for `ack_timeout_s` (doubling, up to 8 ×, while no resend
      brings an ack): the broker dropped it (no ingest session) or the ack got lost.
    A pass keeps at most `window` resent entries waiting for their acks, so while the ingest is
    away a pass repeats one window, not the whole backlog; new entries go on meanwhile. paho
    itself resends what still waits for a PUBACK after a reconnect, so the pass skips those.
    The repeats are absorbed by the service's (device, boot, seq) key.
    """

    def __init__(
        self,
        client: mqtt.Client,
        outbox: Outbox,
        *,
        device_id: str,
        window: int = 100,
        ack_timeout_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._outbox, self._window = client, outbox, window
        self._ack_topic = protocol.ack_topic(device_id)
        self._timeout, self._clock = ack_timeout_s, clock
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._inflight: dict[int, Entry] = {}  # mid → entry handed to paho, no PUBACK yet
        self._sent = 0  # newest position handed to paho at least once
        self._pass: int | None = None  # position of the running resend pass, None: none runs
        self._pass_end = 0  # the pass resends positions up to this one
        self._resent: set[int] = set()  # resent in this pass and not acked yet
        self._skip: set[int] = set()  # in paho's hands when the pass began: paho resends them
        self._oldest: int | None = None  # oldest position when the deadline was last set
        self._deadline: float | None = None
        self._backoff = 1
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_connect = self._on_connect

    # paho's network thread: only subscribe and note events; the agent's thread owns the outbox.

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("broker refused the connection: %s", reason)
            return
        client.subscribe(self._ack_topic, qos=1)
        self._events.put(("connected", None))

    def _on_publish(self, client: Any, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        self._events.put(("puback", mid))

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        ack = parse_ack(bytes(message.payload)) if message.topic == self._ack_topic else None
        if ack is None:
            log.warning("ignored a message on %s that is not an ack", message.topic)
            return
        self._events.put(("ack", ack))

    # the agent's thread

    def pump(self) -> None:
        """Apply PUBACKs and acks, resend what the acks did not cover, hand new entries."""
        acked = False
        for _ in range(_EVENTS_PER_PUMP):
            try:
                kind, value = self._events.get_nowait()
            except queue.Empty:
                break
            if kind == "puback":
                self._puback(value)
            elif kind == "ack":
                acked |= self._ack(value)
            else:
                self._start_pass("reconnected")
        self._watch(progress=acked)
        self._resend()
        self._send_new()

    def _puback(self, mid: int) -> None:
        entry = self._inflight.pop(mid, None)
        if entry is None:
            return
        if entry.boot is None or entry.seq is None:  # nothing to ack it end to end
            self._outbox.delete(entry.id)
            self._resent.discard(entry.id)
        elif self._deadline is None:  # the timer starts: it runs while this oldest stays
            self._deadline = self._clock() + self._timeout
            self._oldest = self._outbox.oldest()

    def _ack(self, ack: Ack) -> bool:
        gone = self._outbox.delete_acked(ack.boot, ack.ranges)
        self._resent.difference_update(gone)
        return bool(gone)

    def _watch(self, *, progress: bool) -> None:
        """Restart the timer when the oldest entry was acked; resend when it runs out."""
        now = self._clock()
        if progress:
            oldest = self._outbox.oldest()
            if oldest != self._oldest:
                self._oldest, self._backoff = oldest, 1
                self._deadline = now + self._timeout
        if self._deadline is None or now < self._deadline:
            return
        oldest = self._outbox.oldest()
        if oldest is None or oldest > self._sent:  # nothing handed waits for an ack
            self._deadline = None
            return
        self._start_pass(f"no ack for {self._timeout * self._backoff:.0f} s")
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
        self._oldest, self._deadline = oldest, now + self._timeout * self._backoff

    def _start_pass(self, why: str) -> None:
        oldest = self._outbox.oldest()
        if oldest is None or oldest > self._sent:
            return  # everything handed so far was acked: nothing to send again
        log.info("resending unacknowledged readings (%s)", why)
        self._pass, self._pass_end = 0, self._sent
        self._resent.clear()
        self._skip = {entry.id for entry in self._inflight.values()}

    def _resend(self) -> None:
        """Go on with the resend pass: in order, at most `window` resent and unacked."""
        if self._pass is None:
            return
        room = self._window - max(len(self._resent), len(self._inflight))
        if room <= 0:
            return
        entries = self._outbox.after(self._pass, limit=self._window)
        for entry in entries:
            if entry.id > self._pass_end:
                break
            if room == 0:
                return  # the pass goes on at the next pump
            self._pass = entry.id
            if entry.id not in self._skip:
                self._hand(entry)
                self._resent.add(entry.id)
                room -= 1
        else:
            if len(entries) == self._window and self._pass < self._pass_end:
                return  # more entries up to the pass's end: next pump
        self._pass = None  # everything up to the pass's end was sent again

    def _send_new(self) -> None:
        room = self._window - len(self._inflight)
        for entry in self._outbox.after(self._sent, limit=room) if room > 0 else []:
            self._hand(entry)
            self._sent = entry.id

    def _hand(self, entry: Entry) -> None:
        # paho keeps QoS 1 messages across reconnects and resends them in order.
        info = self._client.publish(entry.topic, entry.payload, qos=1)
        self._inflight[info.mid] = entry

    @property
    def pending(self) -> int:
        """Return how many handed messages still wait for their PUBACK."""
        return len(self._inflight)

    @property
    def handed(self) -> int:
        """Return the newest outbox position handed to paho at least once."""
        return self._sent

    @property
    def resending(self) -> bool:
        """Tell whether a resend pass is running."""
        return self._pass is not None


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
    # Send again what the ingest has not acked after this long (doubling while nothing comes).
    ack_timeout_s: float = 600.0
    window: int = 100


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
        payload = protocol.encode(message)
        outbox.append(topic=topic, payload=payload, boot=message.boot, seq=message.seq)

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


def uplink(config: AgentConfig, outbox: Outbox) -> tuple[mqtt.Client, Publisher]:
    """Connect a paho client in the background and put a Publisher between it and the outbox."""
    broker = broker_address(config.broker)
    client = make_client(
        client_id=config.device_id, username=config.username, password=config.password
    )
    if broker.tls:
        client.tls_set()
    publisher = Publisher(
        client,
        outbox,
        device_id=config.device_id,
        window=config.window,
        ack_timeout_s=config.ack_timeout_s,
    )
    client.connect_async(broker.host, broker.port, keepalive=30)
    client.loop_start()
    return client, publisher


def run_agent(config: AgentConfig, *, stop: threading.Event) -> None:
    """Run the agent until `stop` is set."""
    outbox = Outbox(config.outbox)
    client, publisher = uplink(config, outbox)
    agent = Agent(config)
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
    # Give in-flight messages a moment to reach the broker and their acks to come back; what is
    # not acked stays in the outbox and goes out again at the next start.
    deadline = time.monotonic() + seconds
    while publisher.pending and time.monotonic() < deadline:
        time.sleep(0.05)
        publisher.pump()
