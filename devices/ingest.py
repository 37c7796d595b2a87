"""MQTT ingest of control-scale messages; the only service-side module that imports paho.

QoS 1 with manual acknowledgement on a persistent MQTT v5 session (fixed client id,
clean_start=False, session expiry): a message is acknowledged only after the batch holding it is
committed, so a crash anywhere before that makes the broker deliver it again, and the unique
(device, boot, seq) key absorbs the repeat. After the commit each device is also told which of
its messages are committed (devices/acks.py), so that it may drop them from its outbox.

Two ways to read from paho: `IngestClient` (fast: it overrides some of paho's private methods,
so it is used only on the paho releases it was tested against), or stock paho's public API
(`on_message`, `ack(mid, qos)` per message). `receive_path` chooses at start-up.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import Engine

from devices import ingest_metrics as m
from devices.acks import ack_messages
from devices.ingest_writer import BatchWriter, Delivery
from devices.protocol import Rejection, parse, rejection, subscriptions
from devices.registry import service_account
from devices.store import Incoming
from metrology_svc.core.clock import utcnow
from metrology_svc.core.health import Readiness
from metrology_svc.core.ratelimit import TokenBuckets
from metrology_svc.db import new_session
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker is and how the ingest logs in."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool = False


def broker_address(mqtt_url: str) -> BrokerAddress:
    """Read host, port, TLS and credentials from an mqtt:// or mqtts:// URL."""
    parts = urlsplit(mqtt_url)
    account = service_account(mqtt_url)
    tls = parts.scheme == "mqtts"
    return BrokerAddress(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if tls else 1883),
        username=account[0] if account else None,
        password=account[1] if account else None,
        tls=tls,
    )


PAHO_VERSION: Final = paho.mqtt.__version__
# paho releases whose private internals IngestClient's overrides were tested against (CI runs
# the ingest tests on both paths). Add a release here only after those tests pass on it.
FAST_PATH_TESTED: Final = ("2.2.",)
ReceivePath = Literal["fast", "stock"]


def receive_path(choice: str, paho_version: str | None = None) -> ReceivePath:
    """Choose how the ingest reads from paho: "fast" (IngestClient) or "stock" (public API).

    `choice` is settings.ingest_receive_path: "auto" takes the fast path only on a tested paho.
    """
    paho_version = paho_version or PAHO_VERSION
    tested = paho_version.startswith(FAST_PATH_TESTED)
    if choice == "stock":
        return "stock"
    if choice == "auto" and not tested:
        log.warning(
            "ingest: paho %s is not a release the fast receive path was tested on (2.2.x): "
            "using stock paho (slower, same guarantees)",
            paho_version,
        )
        return "stock"
    if not tested:
        log.warning(
            "ingest: fast receive path forced on paho %s, which it was not tested on", paho_version
        )
    return "fast"


_RECV_CHUNK: Final = 64 * 1024  # what one recv() may take: some 300 readings of ~200 bytes
_PUBACK: Final = 0x40  # MQTT PUBACK fixed header; remaining length 2 = the packet id only


Delivered = Callable[[bytes, bytes, int, bool], None]  # topic, payload, packet id, retained


class IngestClient(mqtt.Client):
    """paho's client with a cheaper receive path for a busy QoS 1 subscriber.

    Stock paho 2 reads every packet with three or more recv() calls (command byte, length bytes,
    body) and one select() per packet, each dropping and retaking the GIL that the writer thread
    also needs. Here one recv() after each select() fills a buffer and every whole packet in it
    is handled before going back to select(); a packet cut at the buffer's end stays half-read in
    paho's own state until the socket is readable again, so nothing waits on data already read.
    A QoS 1 PUBLISH (MQTT v5, manual ack) goes to `on_delivery(topic, payload, mid, retained)`
    without paho's Properties, MQTTMessage and topic matcher (the ingest reads none of them);
    anything else takes paho's own path to on_message. A batch's PUBACKs, and the devices' acks,
    leave as one write.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_delivery: Delivered | None = None
        self._rbuf = b""
        self._rpos = 0
        self._rsock: object = None
        self._may_refill = False

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._rsock is not self._sock:  # a new connection: nothing of the old one is kept
            self._rbuf, self._rpos, self._rsock = b"", 0, self._sock
        if self._rpos >= len(self._rbuf):
            if not self._may_refill:
                raise BlockingIOError  # paho keeps the partial packet and returns to select()
            self._may_refill = False
            data = super()._sock_recv(max(bufsize, _RECV_CHUNK))
            if len(data) <= bufsize:
                return data
            self._rbuf, self._rpos = data, 0
        start = self._rpos
        self._rpos = min(start + bufsize, len(self._rbuf))
        return self._rbuf[start : self._rpos]

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Handle every whole packet of one recv(), then let paho select() again."""
        self._may_refill = True
        try:
            while True:
                rc = super().loop_read(max_packets)
                if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or self._sock is None:
                    return rc
                if self._rsock is not self._sock or self._rpos >= len(self._rbuf):
                    return rc
        finally:
            self._may_refill = False

    def _handle_publish(self) -> MQTTErrorCode:
        header: int = self._in_packet["command"]
        on_delivery = self.on_delivery
        if (
            on_delivery is None
            or header & 0x06 != 0x02  # QoS 1 only
            or self._protocol != MQTTProtocolVersion.MQTTv5
            or not self._manual_ack
        ):
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        # PUBLISH variable header (MQTT 5, 3.3.2): topic length and topic, packet id, properties
        # length (a variable byte integer) and properties; the payload is the rest.
        end = 2 + int.from_bytes(packet[:2], "big")
        mid = int.from_bytes(packet[end : end + 2], "big")
        pos, size, shift = end + 2, 0, 0
        while pos < len(packet) and shift < 28:
            byte = packet[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        else:  # truncated or over-long: let paho report the malformed packet its own way
            return super()._handle_publish()
        start = pos + size
        if start > len(packet) or mid == 0:
            return super()._handle_publish()
        retained = bool(header & 0x01)  # replayed from the broker's retained store (3.3.1.3)
        with self._in_callback_mutex:
            try:
                on_delivery(bytes(packet[2:end]), bytes(packet[start:]), mid, retained)
            except Exception:
                log.exception("ingest: on_delivery failed")
                if not self.suppress_exceptions:
                    raise
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _handle_on_message(self, message: mqtt.MQTTMessage) -> None:
        on_message = self.on_message  # no per-topic callbacks: paho's matcher is skipped
        if on_message is None:
            return
        with self._in_callback_mutex:
            try:
                on_message(self, self._userdata, message)
            except Exception:
                log.exception("ingest: on_message failed")
                if not self.suppress_exceptions:
                    raise

    def ack_many(self, mids: Sequence[int], publish: Sequence[tuple[str, bytes]] = ()) -> None:
        """PUBACK deliveries of the current connection and publish QoS 0 messages, in one write.

        paho reads a queued packet's command only to run on_publish after a QoS 0 PUBLISH and to
        close the socket after a DISCONNECT: labelled PUBACK, these bytes are written as they are.
        """
        parts = [bytes((_PUBACK, 2)) + mid.to_bytes(2, "big") for mid in mids]
        parts += [_qos0_publish(topic.encode(), payload) for topic, payload in publish]
        if parts:
            self._packet_queue(_PUBACK, b"".join(parts), 0, 0)


def _varint(value: int) -> bytes:
    """Encode an MQTT variable byte integer (a packet's remaining length)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _qos0_publish(topic: bytes, payload: bytes) -> bytes:
    """Return an MQTT 5 PUBLISH packet, QoS 0, not retained, without properties (3.3)."""
    body = len(topic).to_bytes(2, "big") + topic + b"\x00" + payload
    return b"\x30" + _varint(len(body)) + body


def _topic(message: mqtt.MQTTMessage) -> str:
    try:
        return message.topic
    except UnicodeDecodeError:  # a topic that is not UTF-8 is still set aside, not dropped
        # Public API has no raw topic; paho has kept it in _topic for years (b"" if it goes).
        raw = getattr(message, "_topic", b"")
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""


def _rules(settings: Settings, engine: Engine) -> IngestRules:
    # The rulebook as stored at start; the writer reads it again when a table is loaded later.
    with new_session(engine) as session:
        return IngestRules.from_database(session, settings)


class Ingest:
    """The ingest: a paho client feeding a batch writer that commits, then acknowledges."""

    def __init__(self, *, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.address = broker_address(settings.mqtt_url)
        self.receive_path = receive_path(settings.ingest_receive_path)
        self.writer = BatchWriter(
            engine=engine,
            rules=_rules(settings, engine),
            ack=self._ack,
            batch_size=settings.ingest_batch_size,
            batch_ms=settings.ingest_batch_ms,
        )
        self._lock = threading.Lock()
        self._generation = 0
        # Between paho's CONNACK and its disconnect callback, under _lock: only then may acks
        # be queued (see _ack).
        self._live = False
        self.connected = threading.Event()
        # Set once the broker has answered the SUBSCRIBE (SUBACK): from then on what devices
        # publish reaches this ingest (a fresh broker drops what nobody subscribes to yet).
        self.subscribed = threading.Event()
        self._log_budget = TokenBuckets(rate=1.0, burst=20)
        self.client = self._build_client()

    def _build_client(self) -> mqtt.Client:
        fast = self.receive_path == "fast"
        client = (IngestClient if fast else mqtt.Client)(
            CallbackAPIVersion.VERSION2,
            client_id=self.settings.mqtt_client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if self.address.username is not None:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:  # the broker's certificate and host name are verified
            ca = self.settings.mqtt_ca_file
            client.tls_set(ca_certs=str(ca) if ca else None)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        # An error in a callback is logged and paho's network thread goes on: raised, it would
        # end that thread and the ingest would stay connected, receiving nothing.
        client.suppress_exceptions = True
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        if isinstance(client, IngestClient):
            client.on_delivery = self._on_delivery
        return client

    def start(self) -> None:
        """Start the writer and connect in the background (retrying with backoff)."""
        log.info("ingest: receive path %s (paho %s)", self.receive_path, PAHO_VERSION)
        self.writer.start()
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.settings.mqtt_session_expiry_s
        # The broker may send this many unacknowledged messages: enough to fill whole batches.
        props.ReceiveMaximum = min(self.settings.mqtt_receive_maximum, 65535)
        self.client.connect_async(
            self.address.host, self.address.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect, commit what is queued, stop; the broker redelivers what was not acked."""
        # Disconnecting first stops the flow, so the writer's drain ends; the last batch is then
        # committed but not acked (its connection is gone) and absorbed as duplicates next time.
        self.client.disconnect()
        self.writer.stop()
        self.client.loop_stop()

    def readiness(self) -> Readiness:
        """The ingest's part of /readyz: not ready when its writer has stopped or is stuck.

        A broker that is away is reported but does not make the process unready: the ingest
        reconnects by itself, and under `serve` the API must not leave the load balancer for it.
        """
        status = self.writer.status()
        age = status.last_commit_age_s
        return Readiness(
            ready=status.alive and not status.stalled,
            detail={
                "writer_up": status.alive,
                "stalled": status.stalled,
                "broker_connected": self.connected.is_set(),
                "queue_depth": status.waiting,
                "last_commit_age_s": None if age is None else round(age, 1),
                "writer_restarts": self.writer.restarts,
                "receive_path": self.receive_path,
            },
        )

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _props: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.warning("ingest: broker refused the connection: %s", reason)
            return
        with self._lock:
            self._generation += 1
            self._live = True
        share = self.settings.mqtt_share_group or None
        # The session is kept across connections, and so are its subscriptions: the broker's
        # retained messages come with a new subscription only, not again at every reconnect.
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(f, options) for f in subscriptions(share_group=share)])
        self.connected.set()
        m.BROKER_CONNECTED.set(1)
        log.info("ingest: connected to %s:%s", self.address.host, self.address.port)

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _props: Properties | None,
    ) -> None:
        # Message ids belong to a connection: deliveries of the old one must not be acked on
        # the next (their redelivered copies are stored as duplicates and acked instead).
        with self._lock:
            self._generation += 1
            self._live = False
        self.connected.clear()
        self.subscribed.clear()
        m.BROKER_CONNECTED.set(0)
        log.warning("ingest: disconnected (%s); reconnecting", reason)

    def _on_subscribe(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _mid: int,
        reasons: list[ReasonCode],
        _props: Properties | None,
    ) -> None:
        refused = [str(r) for r in reasons if r.is_failure]
        if refused:  # e.g. a broker without shared subscriptions: nothing would come on those
            log.error("ingest: the broker refused a subscription: %s", ", ".join(refused))
            return
        self.subscribed.set()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            self._receive(_topic(msg), bytes(msg.payload), msg.mid, msg.qos, bool(msg.retain))
        except Exception:  # stock paho would swallow it unlogged (suppress_exceptions)
            log.exception("ingest: a message could not be taken in")

    def _on_delivery(self, topic: bytes, payload: bytes, mid: int, retained: bool) -> None:
        try:
            name = topic.decode("utf-8")
        except UnicodeDecodeError:  # a topic that is not UTF-8 is still set aside, not dropped
            name = topic.decode("utf-8", "replace")
        self._receive(name, payload, mid, 1, retained)

    def _receive(self, topic: str, payload: bytes, mid: int, qos: int, retained: bool) -> None:
        # paho's thread: parse and enqueue only (metrology_ingest_received_total is counted by
        # the writer, per batch)
        now = utcnow()
        try:
            parsed = parse(topic, payload, now=now)
        except Exception:  # parse never raises; paho's thread must survive even if it did
            parsed = rejection("internal")
        # Set aside by the writer; say which device sent it (a few lines a second per device).
        if isinstance(parsed, Rejection) and self._log_budget.allow(parsed.device_id or "-"):
            log.info(
                "ingest: message set aside (%s)",
                parsed.code,
                extra={"device_id": parsed.device_id or "-"},
            )
        item = Incoming(topic, payload, parsed, now, retained)
        self.writer.put(Delivery(item=item, mid=mid, qos=qos, generation=self._generation))

    def _ack(self, batch: list[Delivery]) -> None:
        """Acknowledge a committed batch: PUBACKs to the broker, then acks to the devices.

        Every message of the batch is accounted (stored, a duplicate, or set aside), so each
        device is told about all of its messages here, those received on an earlier connection
        too; only their PUBACK must not go out on this connection (its ids are not theirs).
        """
        e2e = self.settings.ingest_end_to_end_ack
        acks = ack_messages(d.item for d in batch) if e2e else []
        with self._lock:
            # Nothing is queued while no connection is up: paho queues packets whatever the
            # socket, and a new connection's socket is open before its CONNECT is queued, so
            # bytes queued then would precede the CONNECT and the broker would close that
            # connection (a writer committing at each attempt would keep the ingest away).
            # paho calls on_disconnect, which waits for this lock, before it opens the next
            # socket. The devices' acks are dropped (they are QoS 0: a device resends what was
            # not acked, and the duplicate is acked then).
            if not self._live:
                return
            generation = self._generation
            current = [d for d in batch if d.qos and d.generation == generation]
            if isinstance(self.client, IngestClient):
                self._ack_in_one_write(self.client, current, acks)
                return
            for delivery in current:
                self.client.ack(delivery.mid, delivery.qos)
            for topic, payload in acks:  # stock paho: one publish each (QoS 0, not retained)
                self.client.publish(topic, payload, qos=0)

    @staticmethod
    def _ack_in_one_write(
        client: IngestClient, current: list[Delivery], acks: list[tuple[str, bytes]]
    ) -> None:
        client.ack_many([d.mid for d in current if d.qos == 1], acks)
        for delivery in current:  # QoS 2 is not what devices send; acked one by one all the same
            if delivery.qos == 2:
                client.ack(delivery.mid, delivery.qos)


def start_ingest(*, settings: Settings, engine: Engine) -> Ingest:
    """Start the ingest in background threads; call .stop() on the result to end it."""
    ingest = Ingest(settings=settings, engine=engine)
    ingest.start()
    return ingest
