"""Generated password and ACL files on a real Mosquitto: identities bound, topics fenced.

A device may write only its own data topics and read only its own ack topic; the broker takes
each client id from the username, so a device's valid password gets it no one else's session.
"""

import logging
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine

from devices import broker_auth
from devices.acks import encode_ack
from devices.ingest import Ingest
from devices.protocol import ack_topic, topic
from devices.registry import add_device, write_broker_auth
from metrology_svc.db import new_session
from metrology_svc.instruments.service import create_instrument
from metrology_svc.readings.models import Reading
from metrology_svc.settings import Settings
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import (
    Market,
    Publisher,
    admin_of,
    control_scale,
    count,
    distinct_seqs,
    reading_payload,
)
from tests.mqtt_broker import BrokerFactory, MosquittoBroker

SERVICE_URL = "mqtt://ingest:ingest-secret@127.0.0.1:1883"
SHIPPED = Path(__file__).parents[3] / "deploy" / "mosquitto" / "mosquitto.conf"


def shipped_config(auth: Path) -> str:
    """Return deploy/mosquitto/mosquitto.conf for a test broker: its auth files in `auth`.

    The fixture's own listener (free port, loopback) replaces `listener 1883`, and the per-
    listener options after it (use_username_as_clientid) apply to it; persistence stays as
    shipped (autosave_interval 30) in the broker's own data directory; logs go to its file.
    """
    kept = [
        line.replace("/mosquitto/config/auth", str(auth))
        for line in SHIPPED.read_text().splitlines()
        if not line.startswith(("listener", "persistence_location", "log_dest"))
    ]
    return "\n".join(kept)


def add_devices(engine: Engine, market: Market, *ids: str) -> dict[str, str]:
    """Register more devices, each on a control scale of its own; return their passwords."""
    passwords = {}
    with new_session(engine) as session:
        for n, device_id in enumerate(ids, start=2):
            control = create_instrument(
                session, admin_of(session), control_scale(market.world, serial=f"CDC-{n:02}")
            )
            issued = add_device(session, instrument_id=control.id or 0, device_id=device_id)
            passwords[device_id] = issued.password
        session.commit()
    return passwords


def _second_device(engine: Engine, market: Market) -> tuple[str, str]:
    ((device_id, password),) = add_devices(engine, market, "cs-test-02").items()
    return device_id, password


def shipped_broker(
    factory: BrokerFactory, engine: Engine, auth: Path, *, service_urls: tuple[str, ...] = ()
) -> MosquittoBroker:
    """A broker on the shipped config, with the files `devices write-broker-auth` writes."""
    with new_session(engine) as session:
        write_broker_auth(session, directory=auth, mqtt_url=SERVICE_URL, service_urls=service_urls)
    return factory(extra_config=shipped_config(auth))


def acl_broker(factory: BrokerFactory, engine: Engine, auth: Path) -> MosquittoBroker:
    """A broker with only the generated password and ACL files (no anonymous access)."""
    with new_session(engine) as session:
        pw, acl = write_broker_auth(session, directory=auth, mqtt_url=SERVICE_URL)
    return factory(extra_config=f"allow_anonymous false\npassword_file {pw}\nacl_file {acl}")


class Client:
    """A paho client that logs in, subscribes to its filters on every connect (reconnecting as
    paho does), and records how often it connected and what it received."""

    def __init__(
        self, port: int, *, client_id: str, username: str, password: str, filters: tuple[str, ...]
    ) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(1, 1)
        self.filters = filters
        self.connects = 0
        self.received: list[tuple[str, bytes]] = []
        self.refused: ReasonCode | None = None
        self.ready = threading.Event()  # connected and subscribed
        answered = threading.Event()

        def on_connect(
            client: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object
        ) -> None:
            if reason.is_failure:
                self.refused = reason
            else:
                self.connects += 1
                client.subscribe([(f, 1) for f in self.filters])
            answered.set()

        self.client.on_connect = on_connect
        self.client.on_subscribe = lambda *_a: self.ready.set()
        self.client.on_disconnect = lambda *_a: self.ready.clear()
        self.client.on_message = lambda _c, _u, m: self.received.append((m.topic, bytes(m.payload)))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert answered.wait(10), "the broker did not answer"
        assert self.refused is not None or self.ready.wait(10), "not subscribed"

    def publish(self, name: str, payload: bytes) -> None:
        """Publish at QoS 1 and wait for the PUBACK.

        The broker acks a denied publish too, then (Mosquitto 2.0 with the shipped
        max_queued_messages 0) closes the connection; paho reconnects and subscribes again.
        """
        info = self.client.publish(name, payload, qos=1)
        deadline = time.monotonic() + 10
        while not info._published:  # sent on reconnect if need be; wait_for_publish would raise
            assert time.monotonic() < deadline, f"no PUBACK for {name}"
            time.sleep(0.01)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


class _Listener:
    """The ingest's account, subscribed to every device topic, recording what arrives."""

    def __init__(self, port: int) -> None:
        self.topics: list[str] = []
        self.got = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="listener")
        self.client.username_pw_set("ingest", "ingest-secret")
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe("metrology/v1/#", qos=1)
        assert subscribed.wait(10)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self.topics.append(msg.topic)
        self.got.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_device_cannot_publish_into_another_devices_topic(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    other_id, _ = _second_device(engine, market)
    broker = acl_broker(mosquitto_factory, engine, tmp_path / "auth")
    listener = _Listener(broker.port)
    device = Publisher(
        broker.port, client_id="dev-a", username=market.device_id, password=market.password
    )
    # Into the other device's topic first, then its own: only its own may come through.
    device.publish_all([(f"metrology/v1/{other_id}/readings", reading_payload(1))])
    device.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(2))])
    assert listener.got.wait(10)
    device.close()
    listener.close()
    assert listener.topics == [f"metrology/v1/{market.device_id}/readings"]


def test_a_device_writes_only_its_data_topics_and_reads_only_its_acks(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    other, other_password = _second_device(engine, market)
    broker = shipped_broker(mosquitto_factory, engine, tmp_path / "auth")
    mine = market.device_id
    ingest = Client(
        broker.port,
        client_id="ingest",
        username="ingest",
        password="ingest-secret",
        filters=("metrology/v1/#",),
    )
    device = Client(
        broker.port,
        client_id=mine,
        username=mine,
        password=market.password,
        filters=(ack_topic(mine), ack_topic(other), "metrology/v1/#"),
    )
    victim = Client(
        broker.port,
        client_id=other,
        username=other,
        password=other_password,
        filters=(ack_topic(other),),
    )
    forged = encode_ack("boot-1", [(0, 10_000)])
    for name, payload in [
        (topic(other, "reading"), reading_payload(1)),  # another device's data
        (ack_topic(other), forged),  # a forged ack: the victim would drop what is not stored
        (ack_topic(mine), forged),  # its own ack topic is the ingest's to write
        (f"metrology/v1/{mine}/other", reading_payload(2)),
        (topic(mine, "reading"), reading_payload(3)),  # the one that goes through
    ]:
        device.publish(name, payload)
    deadline = time.monotonic() + 10
    while not ingest.received and time.monotonic() < deadline:
        time.sleep(0.02)
    # The ingest may write acks: they reach their device, after anything forged would have.
    assert device.ready.wait(10)
    real = encode_ack("boot-1", [(3, 3)])
    for device_id in (mine, other):
        ingest.publish(ack_topic(device_id), real)
    while len(device.received) + len(victim.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    for client in (ingest, device, victim):
        client.close()
    assert ingest.received == [(topic(mine, "reading"), reading_payload(3))]
    assert device.received == [(ack_topic(mine), real)]  # no other device's data or acks
    assert victim.received == [(ack_topic(other), real)]
    assert ingest.connects == victim.connects == 1


def test_a_device_with_valid_credentials_cannot_take_over_the_ingest_or_another_device(
    mosquitto_factory: BrokerFactory,
    sqlite_market_db: tuple[Engine, Market],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The issue's attack: a leaked device password used with the ingest's client id made the
    broker flip between the two every second, and 1,975 of 6,000 readings were lost."""
    engine, market = sqlite_market_db
    passwords = add_devices(engine, market, "cs-test-02", "cs-test-03", "cs-test-04")
    broker = shipped_broker(mosquitto_factory, engine, tmp_path / "auth")
    url = SERVICE_URL.replace(":1883", f":{broker.port}")
    total = 6000
    with (
        caplog.at_level(logging.WARNING, logger="devices.ingest"),
        running_ingest(engine, url, mqtt_client_id="metrology-ingest"),
    ):
        device = Client(
            broker.port,
            client_id=market.device_id,
            username=market.device_id,
            password=market.password,
            filters=(ack_topic(market.device_id),),
        )
        # Each intruder holds a real device's password and asks for someone else's client id:
        # the ingest's configured id, its broker id (= its username), and the device's own.
        intruders = [
            Client(
                broker.port,
                client_id=target,
                username=thief,
                password=passwords[thief],
                filters=("metrology/v1/#",),  # and read what it can: nothing of the others'
            )
            for thief, target in [
                ("cs-test-02", "metrology-ingest"),
                ("cs-test-03", "ingest"),
                ("cs-test-04", market.device_id),
            ]
        ]
        assert all(i.refused is None for i in intruders)  # valid credentials: they are in
        for seq in range(total):
            device.client.publish(topic(market.device_id, "reading"), reading_payload(seq), qos=1)
        deadline = time.monotonic() + 120
        while count(engine, Reading) < total and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a flip between two sessions (every second) would show by now
        stored = count(engine, Reading)
        overheard = [m for i in intruders for m in i.received]
        reconnects = device.connects - 1 + sum(i.connects - 1 for i in intruders)
        ingest_log = caplog.text  # before the ingest's own disconnect at the end
        for client in [device, *intruders]:
            client.close()
    assert stored == total, f"lost {total - stored} of {total}"
    assert distinct_seqs(engine) == total
    assert reconnects == 0  # nobody was thrown off: no session was taken over
    assert overheard == []
    assert "ingest: disconnected" not in ingest_log


def test_two_accounts_with_one_name_or_a_service_name_outside_the_prefixes_are_refused(
    tmp_path: Path,
) -> None:
    def user(name: str, *, service: bool = False) -> broker_auth.BrokerUser:
        return broker_auth.BrokerUser(name, broker_auth.pbkdf2_hash("x"), is_service=service)

    refused = [
        [user("ingest", service=True), user("ingest")],  # a device named like the ingest
        [user("cs-1"), user("cs-1")],
        [user("cs-ingest", service=True)],  # a name any device could still register
        [user("ingest\ntopic readwrite #", service=True)],  # would write ACL lines of its own
    ]
    for users in refused:
        with pytest.raises(broker_auth.AccountError):
            broker_auth.write_files(tmp_path / "auth", users)
    assert not (tmp_path / "auth").exists()  # nothing written
    broker_auth.write_files(tmp_path / "auth", [user("ingest-1", service=True), user("cs-1")])
    acl = (tmp_path / "auth" / "acl").read_text()
    assert "user cs-1\ntopic write metrology/v1/cs-1/readings\n" in acl
    assert "topic read metrology/v1/cs-1/ack\n" in acl
    assert "user ingest-1\ntopic read metrology/v1/+/readings\n" in acl
    assert "topic write metrology/v1/+/ack\n" in acl
    assert "#" not in acl.split("\n", 1)[1]  # no wildcard grants beyond the comment line


def test_wrong_password_and_anonymous_are_refused(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    broker = acl_broker(mosquitto_factory, engine, tmp_path / "auth")
    for username, password in [(market.device_id, "wrong"), (None, None)]:
        with pytest.raises(RuntimeError):
            Publisher(broker.port, client_id="intruder", username=username, password=password)


def test_the_python_pbkdf2_hash_is_accepted_by_mosquitto(
    mosquitto_factory: BrokerFactory, tmp_path: Path
) -> None:
    user = broker_auth.BrokerUser(
        username="cs-fallback", credential_hash=broker_auth.pbkdf2_hash("p4ss-word")
    )
    pw, acl = broker_auth.write_files(tmp_path / "auth", [user])
    broker = mosquitto_factory(
        extra_config=f"allow_anonymous false\npassword_file {pw}\nacl_file {acl}"
    )
    device = Publisher(broker.port, client_id="fb", username="cs-fallback", password="p4ss-word")
    device.close()
    assert broker_auth.verify("p4ss-word", user.credential_hash)
    assert not broker_auth.verify("other", user.credential_hash)


def test_the_shipped_deploy_config_runs_with_generated_files(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    lines = SHIPPED.read_text().splitlines()
    assert "max_queued_messages 0" in lines
    assert "allow_anonymous false" in lines
    # Right after the listener it binds (Mosquitto 2 reads it per listener).
    assert lines[lines.index("listener 1883") :].index("use_username_as_clientid true") < 8
    broker = shipped_broker(mosquitto_factory, engine, tmp_path / "auth")
    device = Publisher(
        broker.port, client_id="dev-conf", username=market.device_id, password=market.password
    )
    device.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(1))])
    device.close()


def test_an_ingest_whose_subscription_is_refused_says_so_and_is_not_subscribed(
    sqlite_market_db: tuple[Engine, Market], caplog: pytest.LogCaptureFixture
) -> None:
    # Mosquitto grants a subscription its ACL does not let through (and then delivers
    # nothing), so the broker's refusal is played here: the SUBACK's reason codes as paho
    # hands them to the ingest. A refused filter is an error in the log, never "subscribed".
    engine, _market = sqlite_market_db
    ingest = Ingest(settings=Settings(mqtt_url="mqtt://127.0.0.1:1"), engine=engine)
    caplog.set_level(logging.ERROR, logger="devices.ingest")
    granted, refused = (
        ReasonCode(PacketTypes.SUBACK, identifier=1),
        ReasonCode(PacketTypes.SUBACK, identifier=0x87),
    )
    ingest._on_subscribe(ingest.client, None, 1, [granted, refused, granted], None)
    assert not ingest.subscribed.is_set()
    assert "the broker refused a subscription: Not authorized" in caplog.text
    ingest._on_subscribe(ingest.client, None, 2, [granted, granted, granted], None)
    assert ingest.subscribed.is_set()
