"""What a market's control scale sends: consumer re-weighings, self-checks, plain weighings, status.

Pure builders of the dataclasses the MQTT parser produces (devices/protocol.py), with boot and
sequence left for the caller to set; the month's plan (readings_plan) and the live feed (live)
both use them. Masses are read on the control scale's division; a short check misses the permitted
shortfall of the same table the ingest judges by.
"""

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from devices import protocol
from metrology_svc.readings.rules import ShortfallBand, permitted_shortfall

VIETNAM = timezone(timedelta(hours=7))
DEVICE_PREFIX = "cdc-"  # cân đối chứng
FIRMWARE = "cdc-2.3.1"
REFERENCE_WEIGHTS_G = (1000, 2000, 5000, 10000)
# Typical amounts a seller declares, in grams, by goods category (protocol.GOODS_CATEGORIES).
GOODS: dict[str, tuple[int, ...]] = {
    "thit_lon": (300, 500, 800, 1000, 1200, 1500, 2000),
    "thit_bo": (300, 500, 1000),
    "thit_ga": (1200, 1500, 1800, 2000),
    "ca": (500, 800, 1000, 1500, 2000, 3000),
    "tom": (300, 500, 1000),
    "rau": (200, 300, 500, 1000),
    "cu_qua": (500, 1000, 2000, 3000),
    "gao": (1000, 2000, 5000, 10000),
    "trai_cay": (500, 1000, 1500, 2000, 3000),
    "do_kho": (200, 300, 500),
    "khac": (200, 500, 1000),
}
# What a stall sells (the words of names.GOODS in its trade name) → goods category.
CATEGORY_OF = {
    "trái cây": "trai_cay", "hải sản": "tom", "gà vịt": "thit_ga", "khoai sắn": "cu_qua",
    "đồ khô": "do_kho", "gia vị": "do_kho", "chè": "do_kho", "gạo": "gao", "rau": "rau",
    "thịt": "thit_lon", "cá": "ca",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Stall:
    """A seller at a market: the serial of their scale (the stall reference keyed in) and goods."""

    ref: str
    owner: int  # in a plan: index into DemoPlan.owners; live: the owner's id
    category: str


@dataclass(frozen=True, slots=True)
class MarketScale:
    """A market's control scale: its device id, division, stalls and last verification date."""

    market: str
    device_id: str
    e_g: Decimal
    weight: int  # relative traffic (the market's number of stalls with scales)
    stalls: tuple[Stall, ...]
    last_verified: date | None


def device_id_for(market: str) -> str:
    """Return the demo device id of a market's control scale, e.g. 'cdc-ky-anh' for Chợ Kỳ Anh."""
    plain = unicodedata.normalize("NFKD", market.lower().replace("đ", "d"))
    words = "".join(c for c in plain if not unicodedata.combining(c)).split()
    return DEVICE_PREFIX + "-".join(words[1:])


def category_of(trade_name: str | None) -> str:
    """Return the goods category of a stall from its trade name ('Sạp cá cô Lan' → 'ca')."""
    padded = f" {(trade_name or '').lower()} "
    return next((code for word, code in CATEGORY_OF.items() if f" {word} " in padded), "khac")


def to_division(grams: Decimal, e: Decimal, rounding: str) -> Decimal:
    """Return the mass as the scale shows it: a whole number of divisions."""
    return (grams / e).to_integral_value(rounding=rounding) * e


def local_time(day: date, hours: float) -> datetime:
    """Return the moment `hours` after local midnight of the day (Vietnam, UTC+7)."""
    return datetime.combine(day, time(), VIETNAM) + timedelta(hours=hours)


def consumer_check(
    rng: random.Random,
    scale: MarketScale,
    stall: Stall,
    *,
    short: bool,
    bands: Sequence[ShortfallBand],
    at: datetime,
) -> protocol.Reading:
    """Return a re-weighing; a short one misses the permitted shortfall by one to four divisions."""
    declared = Decimal(rng.choice(GOODS[stall.category]))
    permitted = permitted_shortfall(declared_g=declared, bands=bands)
    if short:
        missing = permitted + scale.e_g * rng.randint(1, 4)
        mass = to_division(declared - missing, scale.e_g, ROUND_FLOOR)
    else:  # honest: within the permitted shortfall, sometimes a little over the declared mass
        give = permitted * Decimal(rng.randint(-80, 70)) / 100
        mass = to_division(declared - give, scale.e_g, ROUND_CEILING)
    check = protocol.ConsumerCheck(
        seller=protocol.SellerRef("stall", stall.ref), declared_g=declared, category=stall.category
    )
    return protocol.Reading(
        boot="", seq=0, measured_at=at, mass_g=max(mass, scale.e_g), stable=True, check=check
    )


def plain_readings(rng: random.Random, scale: MarketScale, day: date) -> list[protocol.Message]:
    """Return a day's weighings without a seller (a sack checked, a purchase weighed again)."""
    out: list[protocol.Message] = []
    for _ in range(rng.randint(1, 4)):
        grams = Decimal(rng.choice(GOODS[rng.choice(list(GOODS))]) + rng.randint(-60, 60))
        mass = to_division(grams, scale.e_g, ROUND_FLOOR)
        at = local_time(day, rng.uniform(5.5, 18.0))
        out.append(
            protocol.Reading(
                boot="", seq=0, measured_at=at, mass_g=mass, stable=rng.random() > 0.08
            )
        )
    return out


def selfchecks(
    rng: random.Random, scale: MarketScale, day: date, *, drifted: bool
) -> list[protocol.Message]:
    """Return the morning's reference-weight checks; a drifted scale reads 4-6 divisions over."""
    out: list[protocol.Message] = []
    opening = rng.uniform(5.0, 5.7)
    for n in range(1 if rng.random() < 0.6 else 2):
        nominal = Decimal(rng.choice(REFERENCE_WEIGHTS_G))
        # In order: a division either way at most (the in-service MPE is at least one e).
        error = scale.e_g * (rng.choice([4, 5, 6]) if drifted else rng.choice([-1, 0, 0, 0, 1]))
        out.append(
            protocol.SelfCheck(
                boot="",
                seq=0,
                measured_at=local_time(day, opening + n / 60),
                nominal_g=nominal,
                mass_g=nominal + error,
                stable=True,
                weight_id=f"M1-{nominal / 1000:g}kg-{rng.randint(1, 6):02d}",
            )
        )
    return out


def status(
    at: datetime, booted: datetime, rssi: int, errors: tuple[str, ...] = ()
) -> protocol.Status:
    """Return a health report at a moment, with the uptime since the boot."""
    uptime = int((at - booted).total_seconds())
    return protocol.Status(
        boot="",
        seq=0,
        measured_at=at,
        uptime_s=uptime,
        firmware=FIRMWARE,
        rssi_dbm=rssi,
        errors=errors,
    )


def hourly_statuses(
    rng: random.Random, day: date, booted: datetime, rssi: int
) -> list[protocol.Message]:
    """Return a day's status reports, one an hour at the device's own minute."""
    minute = rng.randint(0, 59)
    return [
        status(local_time(day, hour + minute / 60), booted, rssi + rng.randint(-4, 4))
        for hour in range(24)
    ]
