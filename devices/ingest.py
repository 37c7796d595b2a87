"""MQTT ingest of control-scale messages; the only service-side module that imports paho.

QoS 1 with manual acknowledgement on a persistent MQTT v5 session (fixed client id,
clean_start=False, session expiry): a message is acknowledged only after the batch holding it is
committed, so a crash anywhere before that makes the broker deliver it again, and the unique
(device, boot, seq) key absorbs the repeat.
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine

from devices import ingest_metrics as m
from devices.ingest_writer import BatchWriter, Delivery
from devices.protocol import Rejection, parse, rejection, subscription
from devices.registry import service_account
from metrology_svc.core.clock import utcnow
from metrology_svc.core.ratelimit import TokenBuckets
from metrology_svc.readings.service import Incoming, IngestRules
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


def _topic(message: mqtt.MQTTMessage) -> str:
    try:
        return message.topic
    except UnicodeDecodeError:  # a topic that is not UTF-8 is still set aside, not dropped
        raw: bytes = message._topic
        return raw.decode("utf-8", "replace")


class Ingest:
    """The ingest: a paho client feeding a batch writer that commits, then acknowledges."""

    def __init__(self, *, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.address = broker_address(settings.mqtt_url)
        self.writer = BatchWriter(
            engine=engine,
            rules=IngestRules.from_settings(settings),
            ack=self._ack,
            batch_size=settings.ingest_batch_size,
            batch_ms=settings.ingest_batch_ms,
            offline_minutes=settings.device_offline_minutes,
        )
        self._lock = threading.Lock()
        self._generation = 0
        self.connected = threading.Event()
        self._log_budget = TokenBuckets(rate=1.0, burst=20)
        self.client = self._build_client()

    def _build_client(self) -> mqtt.Client:
        client = mqtt.Client(
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
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Start the writer and connect in the background (retrying with backoff)."""
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
        share = self.settings.mqtt_share_group or None
        client.subscribe(subscription(share_group=share), qos=1)
        self.connected.set()
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
        self.connected.clear()
        log.warning("ingest: disconnected (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        m.RECEIVED.inc()
        now = utcnow()
        topic, payload = _topic(msg), bytes(msg.payload)
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
        item = Incoming(topic=topic, payload=payload, parsed=parsed, received_at=now)
        self.writer.put(Delivery(item=item, mid=msg.mid, qos=msg.qos, generation=self._generation))

    def _ack(self, batch: list[Delivery]) -> None:
        with self._lock:
            for delivery in batch:
                if delivery.qos > 0 and delivery.generation == self._generation:
                    self.client.ack(delivery.mid, delivery.qos)


def start_ingest(*, settings: Settings, engine: Engine) -> Ingest:
    """Start the ingest in background threads; call .stop() on the result to end it."""
    ingest = Ingest(settings=settings, engine=engine)
    ingest.start()
    return ingest
