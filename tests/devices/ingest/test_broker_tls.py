"""The shipped TLS broker config on a real Mosquitto: right password in, wrong out, ACL holds.

A throwaway CA and server certificate are made here with `cryptography`; the broker runs
deploy/mosquitto/mosquitto-tls.conf with only its paths and ports changed.
"""

import datetime as dt
import ipaddress
import ssl
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine

from devices.registry import write_broker_auth
from metrology_svc.db import new_session
from metrology_svc.readings.models import DeadLetter, Reading
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import Market, count, reading_payload
from tests.devices.ingest.test_broker_auth import SERVICE_URL, _Listener, _second_device
from tests.mqtt_broker import BrokerFactory, MosquittoBroker, free_port

SHIPPED = Path(__file__).parents[3] / "deploy" / "mosquitto" / "mosquitto-tls.conf"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """Write a CA certificate and a server certificate and key for 127.0.0.1; return paths."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("metrology test CA"))
        .issuer_name(_name("metrology test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(alt, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.crt", "server.crt", "server.key"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


def shipped_tls_config(*, tls_port: int, certs: Path, auth: Path) -> str:
    """Return the shipped TLS config for a test broker: its listeners and paths moved here.

    The fixture's own first listener stands in for the private plain one (1883), used by the
    ingest's account; the TLS listener moves to tls_port with the certificates made above.
    """
    kept = []
    for line in SHIPPED.read_text().splitlines():
        if line == "listener 1883" or line.startswith(("persistence", "log_dest")):
            continue
        if line == "listener 8883":
            line = f"listener {tls_port} 127.0.0.1"
        kept.append(
            line.replace("/mosquitto/config/certs", str(certs)).replace(
                "/mosquitto/config/auth", str(auth)
            )
        )
    return "\n".join(kept)


class TlsDevice:
    """A device connecting over TLS (verifying the broker against the test CA) with MQTT 3.1.1."""

    def __init__(
        self, port: int, *, ca: Path, username: str, password: str, client_id: str
    ) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.tls_set(ca_certs=str(ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.username_pw_set(username, password)
        self.answered = threading.Event()
        self.reason: ReasonCode | None = None
        self.connects = 0
        self.client.on_connect = self._on_connect
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.answered.wait(10), "the broker did not answer the TLS connection"

    def _on_connect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object
    ) -> None:
        self.reason = reason
        self.connects += 0 if reason.is_failure else 1
        self.answered.set()

    @property
    def accepted(self) -> bool:
        """Tell whether the broker accepted the login."""
        return self.reason is not None and not self.reason.is_failure

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1 and wait for the broker's PUBACK (as support.Publisher does)."""
        info = self.client.publish(topic, payload, qos=1)
        deadline = time.monotonic() + 10
        while not info._published:  # kept and sent on (re)connect; wait_for_publish would raise
            assert time.monotonic() < deadline, f"message {info.mid} not acknowledged"
            time.sleep(0.01)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


TlsBroker = tuple[MosquittoBroker, int, Path, Market, tuple[str, str]]


@pytest.fixture
def tls_broker(
    mosquitto_factory: BrokerFactory, sqlite_market_db: tuple[Engine, Market], tmp_path: Path
) -> TlsBroker:
    """Mosquitto on the shipped TLS config with generated auth files and certificates.

    Returns the broker, its TLS port, the CA, the market, and a second device's id and password.
    """
    engine, market = sqlite_market_db
    other = _second_device(engine, market)
    with new_session(engine) as session:
        write_broker_auth(session, directory=tmp_path / "auth", mqtt_url=SERVICE_URL)
    ca, _cert, _key = make_certificates(tmp_path / "certs")
    tls_port = free_port()
    broker = mosquitto_factory(
        extra_config=shipped_tls_config(
            tls_port=tls_port, certs=tmp_path / "certs", auth=tmp_path / "auth"
        )
    )
    return broker, tls_port, ca, market, other


def test_a_device_with_its_password_publishes_its_own_topics_over_tls(
    tls_broker: TlsBroker,
) -> None:
    broker, tls_port, ca, market, (other_id, _) = tls_broker
    listener = _Listener(broker.port)  # the ingest's account on the private plain listener
    device = TlsDevice(
        tls_port, ca=ca, username=market.device_id, password=market.password, client_id="dev-tls"
    )
    assert device.accepted, device.reason
    # Into the other device's topic first (the broker acks it but must not deliver it).
    device.publish(f"metrology/v1/{other_id}/readings", reading_payload(1))
    device.publish(f"metrology/v1/{market.device_id}/readings", reading_payload(2))
    assert listener.got.wait(10)
    device.close()
    listener.close()
    assert listener.topics == [f"metrology/v1/{market.device_id}/readings"]


def test_a_wrong_password_is_refused_over_tls(
    tls_broker: TlsBroker,
) -> None:
    _broker, tls_port, ca, market, _other = tls_broker
    device = TlsDevice(
        tls_port, ca=ca, username=market.device_id, password="wrong", client_id="intruder"
    )
    device.close()
    assert not device.accepted
    assert device.reason is not None
    assert device.reason.value in (4, 5, 134, 135)  # bad credentials / not authorised


def test_a_client_that_does_not_trust_the_broker_is_not_connected(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    _broker, tls_port, _ca, market, _other = tls_broker
    stranger_ca, _c, _k = make_certificates(tmp_path / "stranger")
    with pytest.raises(ssl.SSLCertVerificationError):
        TlsDevice(
            tls_port,
            ca=stranger_ca,
            username=market.device_id,
            password=market.password,
            client_id="mitm",
        )


def test_the_ingest_reads_over_tls_with_its_ca(
    tls_broker: TlsBroker,
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    _broker, tls_port, ca, market, _other = tls_broker
    engine, _ = sqlite_market_db
    url = SERVICE_URL.replace("mqtt://", "mqtts://").replace(":1883", f":{tls_port}")
    with running_ingest(engine, url, mqtt_ca_file=ca, mqtt_client_id="ingest-tls"):
        device = TlsDevice(
            tls_port, ca=ca, username=market.device_id, password=market.password, client_id="d1"
        )
        device.publish(f"metrology/v1/{market.device_id}/readings", reading_payload(7))
        device.close()
        deadline = time.monotonic() + 10
        while count(engine, Reading) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert count(engine, Reading) == 1
    assert count(engine, DeadLetter) == 0


def test_the_ingest_refuses_a_broker_its_ca_did_not_sign(
    tls_broker: TlsBroker,
    sqlite_market_db: tuple[Engine, Market],
    tmp_path: Path,
) -> None:
    _broker, tls_port, _ca, _market, _other = tls_broker
    engine, _ = sqlite_market_db
    stranger_ca, _c, _k = make_certificates(tmp_path / "stranger-ingest")
    url = SERVICE_URL.replace("mqtt://", "mqtts://").replace(":1883", f":{tls_port}")
    with (
        pytest.raises(RuntimeError, match="did not connect"),
        running_ingest(engine, url, mqtt_ca_file=stranger_ca, mqtt_client_id="ingest-x"),
    ):
        pass


def test_over_tls_a_device_cannot_take_over_another_devices_session(tls_broker: TlsBroker) -> None:
    _broker, tls_port, ca, market, (other_id, other_password) = tls_broker
    mine = market.device_id
    victim = TlsDevice(tls_port, ca=ca, username=mine, password=market.password, client_id=mine)
    # Another device's valid password, asking for the victim's client id: the broker closes the
    # session it takes over while it handles this CONNECT, before answering it.
    intruder = TlsDevice(
        tls_port, ca=ca, username=other_id, password=other_password, client_id=mine
    )
    assert intruder.accepted, intruder.reason
    # A round trip on the victim's connection: had it been closed, paho would have reconnected.
    victim.publish(f"metrology/v1/{mine}/readings", reading_payload(1))
    intruder.close()
    victim.close()
    assert victim.connects == 1
