"""`serve --demo-live`: the demo markets' control scales keep sending while the server runs.

When a broker answers at settings.mqtt_url, a background thread publishes what the demo's scales
would send now (consumer checks of each market's own sellers, the doubtful ones still short, and
a status report every few minutes), one paho client per device at QoS 1 as devices/simulator.py
does, so the running ingest stores them and the market pages' live feeds move. Devices connect
with their id as user name and no password: a broker that lets local clients in anonymously
(Mosquitto's default on localhost) accepts them. Without a broker: one bilingual log line and a
feed that does nothing. Nothing here raises into the server: a message that fails is logged and
skipped; a connection that fails is logged and the feed starts again after a pause.
"""

import logging
import random
import socket
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from devices import protocol
from devices.agent import Broker, broker_address, make_client
from devices.simulator import SimDevice
from metrology_svc.core.clock import utcnow
from metrology_svc.db import new_session
from metrology_svc.demo.readings_plan import SILENT_MARKET
from metrology_svc.demo.traffic import (
    DEVICE_PREFIX,
    VIETNAM,
    MarketScale,
    Stall,
    category_of,
    consumer_check,
    device_id_for,
    status,
)
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.readings import rules
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.settings import Settings

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt

log = logging.getLogger(__name__)
LIVE_INTERVAL_S = 2.0  # about one consumer check every two seconds, all markets together
STATUS_EVERY_S = 300.0  # well inside the 15 minutes after which a silent scale counts offline
SHORT_RATIO = 0.5  # a seller the evidence flagged keeps short-weighing half the time
HONEST_SHORT_RATIO = 0.01
MAX_RESTART_DELAY_S = 60.0


@dataclass(frozen=True, slots=True)
class LiveScale:
    """A demo control scale that keeps sending, and the stall references of its doubtful sellers."""

    scale: MarketScale
    short_refs: frozenset[str]


class LiveFeed:
    """The demo's live control-scale traffic; stop() ends it (an idle feed does nothing)."""

    def __init__(
        self, thread: threading.Thread | None = None, stop_event: threading.Event | None = None
    ) -> None:
        self._thread, self._stop = thread, stop_event or threading.Event()

    @property
    def running(self) -> bool:
        """Tell whether the feed's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop publishing, disconnect the devices and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _stalls(session: Session, site_id: int) -> tuple[Stall, ...]:
    owners = OwnerRepository(session)
    repo = InstrumentRepository(session)
    stalls: dict[int, Stall] = {}
    for inst in session.exec(repo.filtered(InstrumentFilter(site_id=site_id))):
        if inst.role != InstrumentRole.TRADE or inst.retired_at is not None:
            continue
        if inst.owner_id not in stalls:
            owner = owners.get(inst.owner_id)
            category = category_of(owner.trade_name if owner else None)
            stalls[inst.owner_id] = Stall(inst.serial, inst.owner_id, category)
    return tuple(stalls.values())


def live_scales(session: Session) -> list[LiveScale]:
    """Return the demo's control scales that still send (not the silent one), with sellers."""
    readings = ReadingRepository(session)
    silent = device_id_for(SILENT_MARKET)
    out = []
    for device in readings.all_devices():
        if not device.id.startswith(DEVICE_PREFIX) or device.id == silent:
            continue
        control = readings.instruments([device.instrument_id]).get(device.instrument_id)
        if control is None or control.e_g is None:
            continue
        scale = MarketScale(
            market=str(device.site_id),
            device_id=device.id,
            e_g=Decimal(repr(control.e_g)),
            weight=1,
            stalls=_stalls(session, device.site_id),
            last_verified=None,
        )
        short = frozenset(s.ref for s in readings.sellers_at(device.site_id) if s.suspect_since)
        out.append(LiveScale(scale, short))
    return out


def _reachable(broker: Broker) -> bool:
    try:
        socket.create_connection((broker.host, broker.port), timeout=1.0).close()
    except OSError:
        return False
    return True


@dataclass
class _Device:
    live: LiveScale
    sim: SimDevice
    client: "mqtt.Client"
    next_status: float = 0.0


def _on_connect(
    client: Any, userdata: tuple[str, set[str]], flags: Any, reason: Any, props: Any
) -> None:
    # paho's network thread: log a refusal once per device, never raise.
    name, refused = userdata
    if getattr(reason, "is_failure", False) and name not in refused:
        refused.add(name)
        log.warning(
            "Broker MQTT từ chối thiết bị mẫu %s (%s): cần broker cho phép kết nối ẩn danh. / "
            "The MQTT broker refused demo device %s (%s): it needs anonymous local access.",
            name, reason, name, reason,
        )  # fmt: skip


def _connect(broker: Broker, device_id: str, settings: Settings, refused: set[str]) -> Any:
    client = make_client(client_id=device_id, username=device_id)
    client.user_data_set((device_id, refused))
    client.on_connect = _on_connect
    if broker.tls:
        client.tls_set(ca_certs=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None)
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    return client


def _message(
    rng: random.Random,
    device: _Device,
    *,
    started: datetime,
    bands: tuple[rules.ShortfallBand, ...],
) -> protocol.Message:
    now = utcnow().astimezone(VIETNAM)  # the devices' clocks keep local time
    scale = device.live.scale
    if time.monotonic() >= device.next_status or not scale.stalls:
        device.next_status = time.monotonic() + STATUS_EVERY_S
        message: protocol.Message = status(now, started, rng.randint(-80, -55))
    else:
        stall = rng.choice(scale.stalls)
        ratio = SHORT_RATIO if stall.ref in device.live.short_refs else HONEST_SHORT_RATIO
        short = rng.random() < ratio
        message = consumer_check(rng, scale, stall, short=short, bands=bands, at=now)
    return replace(message, boot=device.sim.boot, seq=device.sim.take())


def _send(rng: random.Random, device: _Device, **kwargs: Any) -> None:
    if not device.client.is_connected():
        return  # paho would queue it without limit; a live demo can lose a check
    try:
        message = _message(rng, device, **kwargs)
        topic = protocol.topic(device.sim.device_id, protocol.kind_of(message))
        device.client.publish(topic, protocol.encode(message), qos=1)
    except Exception:  # one bad message must not stop the feed
        log.exception("demo live feed: message for %s skipped", device.sim.device_id)


def _publish(
    scales: list[LiveScale], *, settings: Settings, stop: threading.Event, interval_s: float
) -> None:
    broker = broker_address(settings.mqtt_url)
    table = settings.shortfall_table_path or rules.DEFAULT_SHORTFALL_TABLE
    bands = rules.read_shortfall_table(table)
    rng = random.Random()  # noqa: S311 (demo traffic, not security)
    started, refused = utcnow(), set[str]()
    devices: list[_Device] = []
    try:
        for live in scales:
            sim = SimDevice(live.scale.device_id, f"{rng.getrandbits(64):016x}", ())
            client = _connect(broker, live.scale.device_id, settings, refused)
            devices.append(_Device(live, sim, client))
        while not stop.wait(rng.uniform(0.5, 1.5) * interval_s):
            for device in devices:
                if time.monotonic() >= device.next_status:
                    _send(rng, device, started=started, bands=bands)
            talkers = [d for d in devices if d.live.scale.stalls] or devices
            _send(rng, rng.choice(talkers), started=started, bands=bands)
    finally:
        for device in devices:
            device.client.disconnect()
            device.client.loop_stop()


def _supervise(
    scales: list[LiveScale], *, settings: Settings, stop: threading.Event, interval_s: float
) -> None:
    delay = 1.0
    while not stop.is_set():
        try:
            _publish(scales, settings=settings, stop=stop, interval_s=interval_s)
        except Exception:
            log.exception(
                "Luồng dữ liệu trực tiếp mẫu dừng; chạy lại sau %.0f s. / "
                "The demo live feed stopped; starting again in %.0f s.",
                delay, delay,
            )  # fmt: skip
            stop.wait(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY_S)


def start_live_feed(
    *, settings: Settings, engine: Engine, interval_s: float = LIVE_INTERVAL_S
) -> LiveFeed:
    """Start publishing the demo scales' traffic if a broker answers; else return an idle feed."""
    try:
        broker = broker_address(settings.mqtt_url)
    except ValueError:
        log.warning("METROLOGY_MQTT_URL không hợp lệ / is not a broker URL: demo live feed off")
        return LiveFeed()
    if not _reachable(broker):
        log.warning(
            "Không có broker MQTT tại %s:%d: các cân đối chứng mẫu không gửi dữ liệu trực tiếp. / "
            "No MQTT broker at %s:%d: the demo control scales send no live data (start "
            "Mosquitto, then restart with --demo-live).",
            broker.host, broker.port, broker.host, broker.port,
        )  # fmt: skip
        return LiveFeed()
    with new_session(engine) as session:
        scales = live_scales(session)
    if not scales:
        log.warning("Không có cân đối chứng mẫu / no demo control scales: demo live feed off")
        return LiveFeed()
    stop = threading.Event()
    thread = threading.Thread(
        target=_supervise,
        args=(scales,),
        kwargs={"settings": settings, "stop": stop, "interval_s": interval_s},
        name="demo-live-feed",
        daemon=True,
    )
    thread.start()
    log.info("demo live feed: %d control scales / cân đối chứng", len(scales))
    return LiveFeed(thread, stop)
