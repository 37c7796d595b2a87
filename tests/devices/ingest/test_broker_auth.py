"""Generated password and ACL files on a real Mosquitto: a device publishes only its own topics."""

import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine

from devices import broker_auth
from devices.registry import add_device, write_broker_auth
from metrology_svc.db import new_session
from metrology_svc.instruments.service import create_instrument
from tests.devices.ingest.support import (
    Market,
    Publisher,
    admin_of,
    control_scale,
    reading_payload,
)
from tests.mqtt_broker import BrokerFactory

SERVICE_URL = "mqtt://ingest:ingest-secret@127.0.0.1:1883"


def _second_device(engine: Engine, market: Market) -> tuple[str, str]:
    with new_session(engine) as session:
        control = create_instrument(
            session, admin_of(session), control_scale(market.world, serial="CDC-02")
        )
        issued = add_device(session, instrument_id=control.id or 0, device_id="cs-test-02")
        session.commit()
    return issued.device.id, issued.password


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
    with new_session(engine) as session:
        pw, acl = write_broker_auth(session, directory=tmp_path / "auth", mqtt_url=SERVICE_URL)
    broker = mosquitto_factory(
        extra_config=f"allow_anonymous false\npassword_file {pw}\nacl_file {acl}"
    )
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


def test_wrong_password_and_anonymous_are_refused(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> None:
    engine, market = sqlite_market_db
    with new_session(engine) as session:
        pw, acl = write_broker_auth(session, directory=tmp_path / "auth", mqtt_url=SERVICE_URL)
    broker = mosquitto_factory(
        extra_config=f"allow_anonymous false\npassword_file {pw}\nacl_file {acl}"
    )
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
    auth = tmp_path / "auth"
    with new_session(engine) as session:
        write_broker_auth(session, directory=auth, mqtt_url=SERVICE_URL)
    shipped = Path(__file__).parents[3] / "deploy" / "mosquitto" / "mosquitto.conf"
    lines = shipped.read_text().splitlines()
    assert "max_queued_messages 0" in lines
    assert "allow_anonymous false" in lines
    kept = [
        line.replace("/mosquitto/config/auth", str(auth))
        for line in lines
        if not line.startswith(("listener", "persistence", "log_dest"))
    ]
    broker = mosquitto_factory(extra_config="\n".join(kept))
    device = Publisher(
        broker.port, client_id="dev-conf", username=market.device_id, password=market.password
    )
    device.publish_all([(f"metrology/v1/{market.device_id}/readings", reading_payload(1))])
    device.close()
