"""A market with a connected control scale in a private SQLite file, and publishing helpers."""

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from devices.registry import add_device
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.principal import Principal
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.readings.models import DeadLetter, Reading
from tests.factories import World, make_world

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Market:
    """Ids of the market set up for a test."""

    world: World
    control_id: int
    seller_scale_id: int
    device_id: str
    password: str


def control_scale(w: World, *, serial: str = "CDC-01") -> InstrumentCreate:
    """Return a 30 kg class III control scale (e = 10 g) at market A."""
    return InstrumentCreate(
        type_code="scale_counter",
        serial=serial,
        manufacturer="Vibra",
        accuracy_class="III",
        max_g=30000,
        e_g=10,
        d_g=10,
        owner_id=w.owner_vi,
        site_id=w.market_a,
        role=InstrumentRole.CONTROL,
    )


def seller_scale(w: World, *, serial: str = "A-12") -> InstrumentCreate:
    """Return a seller's spring dial scale at market A whose serial is its stall reference."""
    return InstrumentCreate(
        type_code="scale_spring_dial",
        serial=serial,
        manufacturer="Nhơn Hòa",
        accuracy_class="IIII",
        max_g=15000,
        e_g=50,
        d_g=50,
        owner_id=w.owner_vi,
        site_id=w.market_a,
    )


def admin_of(session: Session) -> Principal:
    """Return the world's administrator as a principal (events need a real user id)."""
    user = session.exec(select(User).where(User.role == Role.ADMIN)).first()
    assert user is not None
    assert user.id is not None
    return Principal(user_id=user.id, name=user.name, role=Role.ADMIN)


def make_market(session: Session) -> Market:
    """Create the world, a control scale with a device, and a seller's scale; the caller commits."""
    w = make_world(session)
    admin = admin_of(session)
    control = create_instrument(session, admin, control_scale(w))
    seller = create_instrument(session, admin, seller_scale(w))
    issued = add_device(session, instrument_id=control.id or 0, device_id="cs-test-01")
    return Market(w, control.id or 0, seller.id or 0, issued.device.id, issued.password)


def seed_market(engine: Engine) -> Market:
    """Migrate the database and commit one market into it."""
    prepare_database(engine)
    with new_session(engine) as session:
        market = make_market(session)
        session.commit()
    return market


def file_database(path: Path) -> tuple[Engine, Market]:
    """Create a migrated SQLite file holding one market; return its engine and ids."""
    engine = build_engine(f"sqlite:///{path}")
    return engine, seed_market(engine)


def reading_payload(seq: int, *, boot: str = "boot-1", mass_g: float = 1000.0) -> bytes:
    """Return a plain reading payload."""
    at = (T0 + timedelta(milliseconds=seq)).isoformat()
    body = {"v": 1, "kind": "reading", "boot": boot, "seq": seq, "measured_at": at}
    body |= {"unit": "g", "mass": mass_g, "stable": True}
    return json.dumps(body).encode()


def check_payload(seq: int, *, declared_g: float, mass_g: float, stall: str = "A-12") -> bytes:
    """Return a consumer-check payload."""
    body: dict[str, Any] = json.loads(reading_payload(seq, mass_g=mass_g))
    body["check"] = {"seller": {"stall": stall}, "declared": declared_g, "category": "thit_lon"}
    return json.dumps(body).encode()


def count(engine: Engine, table: type[Reading] | type[DeadLetter]) -> int:
    """Count the rows of a table."""
    with new_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def distinct_seqs(engine: Engine) -> int:
    """Count distinct (boot, seq) among stored readings."""
    with new_session(engine) as session:
        rows = session.exec(select(Reading.boot, Reading.seq)).all()
    return len(set(rows))


class Publisher:
    """A QoS 1 publisher that waits for every PUBACK (reconnecting if the broker goes away)."""

    def __init__(
        self, port: int, *, client_id: str, username: str | None = None, password: str | None = None
    ) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(1, 2)
        self.answered = threading.Event()
        self.refused: str | None = None
        self.client.on_connect = self._on_connect
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self.answered.wait(10) or self.refused is not None:
            self.close()
            raise RuntimeError(f"publisher not connected: {self.refused}")

    def _on_connect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object
    ) -> None:
        if not self.answered.is_set():
            self.refused = str(reason) if reason.is_failure else None
        self.answered.set()

    def publish_all(self, messages: Iterable[tuple[str, bytes]], *, timeout: float = 60) -> None:
        """Publish QoS 1 messages and wait until the broker acknowledged each."""
        infos = [self.client.publish(topic, payload, qos=1) for topic, payload in messages]
        deadline = time.monotonic() + timeout
        for info in infos:
            # A message published while the broker is away is kept (rc NO_CONN) and sent on
            # reconnect; wait on the flag itself rather than on wait_for_publish, which raises.
            while not info._published:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"message {info.mid} not acknowledged by the broker")
                time.sleep(0.01)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
