"""A market full of simulated control scales: consumer checks, self-checks, status, some garbage.

Consumer checks use Vietnamese market goods and typical masses; a share of sellers short-weigh
beyond the OIML R 87 tolerable deficiency. Generation is pure (a seeded Random); `simulate`
publishes with one paho client per device, QoS 1.
"""

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import paho.mqtt.client as mqtt

from devices import protocol
from devices.agent import broker_address, make_client

VIETNAM: Final = timezone(timedelta(hours=7))
DIVISION_G: Final = Decimal(5)  # a 30 kg market control scale, d = 5 g
# OIML R 87 tolerable deficiency: (from g, to g, percent or grams) — ../shared/domain table.
R87: Final = [
    (5, 50, "9%"),
    (50, 100, "4.5"),
    (100, 200, "4.5%"),
    (200, 300, "9"),
    (300, 500, "3%"),
    (500, 1000, "15"),
    (1000, 10000, "1.5%"),
    (10000, 15000, "150"),
    (15000, 10**9, "1%"),
]
# Typical amounts a seller declares, in grams ("một cân hai" = 1.2 kg...).
GOODS: Final = {
    "thit_lon": (300, 500, 800, 1000, 1200, 1500, 2000),
    "thit_bo": (300, 500, 1000),
    "thit_ga": (1200, 1500, 1800, 2000),
    "ca": (500, 800, 1000, 1500, 2000, 3000),
    "tom": (300, 500, 1000),
    "rau": (200, 300, 500, 1000),
    "cu_qua": (500, 1000, 2000, 3000),
    "gao": (1000, 2000, 5000, 10000),
    "trai_cay": (500, 1000, 1500, 2000, 3000),
    "do_kho": (100, 200, 500),
}
REFERENCE_WEIGHTS_G: Final = (500, 1000, 2000, 5000, 10000)


def tolerable_deficiency_g(declared_g: Decimal) -> Decimal:
    """Return the R 87 tolerable deficiency for a declared quantity in grams."""
    for low, high, rule in R87:
        if low <= declared_g <= high:
            if rule.endswith("%"):
                return declared_g * Decimal(rule[:-1]) / 100
            return Decimal(rule)
    return Decimal(0)


def _on_scale(grams: Decimal) -> Decimal:
    # The control scale shows whole divisions.
    return (grams / DIVISION_G).quantize(Decimal(1), rounding=ROUND_HALF_UP) * DIVISION_G


@dataclass
class SimDevice:
    """One simulated control scale: its id, boot and sequence, and the stalls around it."""

    device_id: str
    boot: str
    stalls: tuple[str, ...]
    seq: int = 0
    started: float = field(default_factory=time.monotonic)

    def take(self) -> int:
        """Return the next sequence number."""
        self.seq += 1
        return self.seq - 1


@dataclass(frozen=True)
class Outcome:
    """One generated MQTT message and what it is meant to be."""

    topic: str
    payload: bytes
    label: str  # check, short, selfcheck, status, malformed


def make_devices(rng: random.Random, *, count: int, prefix: str = "sim") -> list[SimDevice]:
    """Create simulated devices, each with its own boot id and stalls."""
    return [
        SimDevice(
            device_id=f"{prefix}-{n:03d}",
            boot=f"{rng.getrandbits(64):016x}",
            stalls=tuple(f"{rng.choice('ABCD')}-{rng.randint(1, 80)}" for _ in range(30)),
        )
        for n in range(1, count + 1)
    ]


def consumer_check(
    rng: random.Random, device: SimDevice, *, now: datetime, short: bool
) -> protocol.Reading:
    """Return a consumer re-weighing; a short one misses more than the tolerable deficiency."""
    category = rng.choice(list(GOODS))
    declared = Decimal(rng.choice(GOODS[category]))
    allowed = tolerable_deficiency_g(declared)
    if short:
        missing = allowed * Decimal(rng.uniform(1.5, 5)) + 2 * DIVISION_G
    else:  # honest: within the tolerance, sometimes a little more than declared
        missing = allowed * Decimal(rng.uniform(-0.5, 0.6))
    if rng.random() < 0.7:
        seller = protocol.SellerRef("stall", rng.choice(device.stalls))
    else:
        seller = protocol.SellerRef("stamp", f"VN-{now.year}-{rng.randint(1, 999999):06d}")
    return protocol.Reading(
        boot=device.boot,
        seq=device.take(),
        measured_at=now.astimezone(VIETNAM),
        mass_g=max(_on_scale(declared - missing), DIVISION_G),
        stable=True,
        check=protocol.ConsumerCheck(seller=seller, declared_g=declared, category=category),
    )


def selfcheck(rng: random.Random, device: SimDevice, *, now: datetime) -> protocol.SelfCheck:
    """Return a reference-weight check; a few scales have drifted out of tolerance."""
    nominal = Decimal(rng.choice(REFERENCE_WEIGHTS_G))
    drift = nominal * Decimal("0.005") if rng.random() < 0.03 else Decimal(0)
    shown = nominal + drift + DIVISION_G * rng.choice([-1, 0, 0, 0, 1])
    return protocol.SelfCheck(
        boot=device.boot,
        seq=device.take(),
        measured_at=now.astimezone(VIETNAM),
        nominal_g=nominal,
        mass_g=_on_scale(shown),
        stable=True,
        weight_id=f"M1-{nominal / 1000:g}kg-{rng.randint(1, 20):02d}",
    )


def status(rng: random.Random, device: SimDevice, *, now: datetime) -> protocol.Status:
    """Return a health report."""
    return protocol.Status(
        boot=device.boot,
        seq=device.take(),
        measured_at=now.astimezone(VIETNAM),
        uptime_s=int(time.monotonic() - device.started),
        firmware="sim-1.0",
        rssi_dbm=rng.randint(-95, -40),
        errors=("low_battery",) if rng.random() < 0.05 else (),
    )


def malformed(rng: random.Random, device: SimDevice, *, now: datetime) -> tuple[str, bytes]:
    """Return a broken message of the kinds real devices send: the ingest must set it aside."""
    good = protocol.to_dict(consumer_check(rng, device, now=now, short=False))
    device.seq -= 1  # a broken message does not use up a sequence number
    topic = protocol.topic(device.device_id, "reading")
    broken: list[tuple[str, bytes]] = [
        (topic, rng.randbytes(rng.randint(1, 200))),
        (topic, json.dumps(good).encode()[: rng.randint(1, 60)]),
        (topic, json.dumps(good | {"v": 9}).encode()),
        (topic, json.dumps(good | {"mass": -abs(good["mass"])}).encode()),
        (topic, json.dumps(good | {"measured_at": "2026-13-40T99:00:00"}).encode()),
        (protocol.topic(device.device_id, "status"), json.dumps(good).encode()),
    ]
    return rng.choice(broken)


def next_message(
    rng: random.Random,
    device: SimDevice,
    *,
    now: datetime,
    short_ratio: float,
    malformed_ratio: float,
) -> Outcome:
    """Return the device's next message: mostly checks, some self-checks, status, garbage."""
    pick = rng.random()
    if pick < malformed_ratio:
        return Outcome(*malformed(rng, device, now=now), label="malformed")
    message: protocol.Message
    if pick < 0.93:
        short = rng.random() < short_ratio
        message = consumer_check(rng, device, now=now, short=short)
        label = "short" if short else "check"
    elif pick < 0.97:
        message, label = selfcheck(rng, device, now=now), "selfcheck"
    else:
        message, label = status(rng, device, now=now), "status"
    topic = protocol.topic(device.device_id, protocol.kind_of(message))
    return Outcome(topic, protocol.encode(message), label)


@dataclass
class Summary:
    """What the simulator sent."""

    devices: int
    seconds: float
    counts: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    published: bool = True

    @property
    def sent(self) -> int:
        """Return the number of messages published."""
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        """Return the summary, Vietnamese first, English second."""
        c, rate = self.counts, self.sent / self.seconds if self.seconds else 0.0
        vi, en = ("Đã gửi", "Sent") if self.published else ("Đã sinh (không gửi)", "Generated")
        return [
            f"{vi} {self.sent} bản tin từ {self.devices} cân trong {self.seconds:.1f} s "
            f"({rate:.0f}/s), {self.acknowledged} được xác nhận (PUBACK).",
            f"{en} {self.sent} messages from {self.devices} devices in {self.seconds:.1f} s "
            f"({rate:.0f}/s), {self.acknowledged} acknowledged (PUBACK).",
            f"consumer checks / lần cân đối chứng: {c['check'] + c['short']} "
            f"(short beyond R 87 / thiếu quá mức cho phép: {c['short']}); "
            f"self-checks / tự kiểm: {c['selfcheck']}; status / trạng thái: {c['status']}; "
            f"malformed / bản tin lỗi: {c['malformed']}",
        ]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    """How many devices, how fast, for how long, how much garbage."""

    broker: str | None  # None: generate only (dry run)
    devices: int = 5
    rate: float = 10.0  # messages per second, all devices together
    duration_s: float = 10.0
    count: int | None = None  # overrides rate x duration
    malformed_ratio: float = 0.01
    short_ratio: float = 0.05
    seed: int | None = None
    prefix: str = "sim"
    username: str | None = None
    password: str | None = None


def _connect(config: SimulationConfig, sims: list[SimDevice]) -> list[mqtt.Client]:
    assert config.broker is not None
    address = broker_address(config.broker)
    clients = []
    for device in sims:
        client = make_client(
            client_id=device.device_id, username=config.username, password=config.password
        )
        if address.tls:
            client.tls_set()
        client.connect(address.host, address.port, keepalive=30)
        client.loop_start()
        clients.append(client)
    return clients


def simulate(config: SimulationConfig) -> Summary:
    """Publish simulated traffic and return what was sent and acknowledged."""
    rng = random.Random(config.seed)  # noqa: S311  (reproducible traffic, not secrets)
    sims = make_devices(rng, count=config.devices, prefix=config.prefix)
    clients = _connect(config, sims) if config.broker else []
    total = config.count if config.count is not None else int(config.rate * config.duration_s)
    summary = Summary(devices=config.devices, seconds=0.0, published=bool(clients))
    infos: list[mqtt.MQTTMessageInfo] = []
    start = time.monotonic()
    try:
        for n in range(total):
            delay = start + n / config.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            index = rng.randrange(config.devices)
            outcome = next_message(
                rng,
                sims[index],
                now=utc_now(),
                short_ratio=config.short_ratio,
                malformed_ratio=config.malformed_ratio,
            )
            summary.counts[outcome.label] += 1
            if clients:
                infos.append(clients[index].publish(outcome.topic, outcome.payload, qos=1))
        summary.acknowledged = _acknowledged(infos, seconds=30.0)
    finally:
        for client in clients:
            client.disconnect()
            client.loop_stop()
    summary.seconds = time.monotonic() - start
    return summary


def _acknowledged(infos: list[mqtt.MQTTMessageInfo], *, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    for info in infos:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            info.wait_for_publish(timeout=left)
        except (ValueError, RuntimeError):  # paho refused it (no connection): not acknowledged
            continue
    return sum(1 for info in infos if info.is_published())
