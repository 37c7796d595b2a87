"""A month of control-scale traffic at the demo markets: pure, reproducible from a seed and an end.

Each market's control scale (cân đối chứng) re-weighs what consumers bring back (consumer checks
with the seller's stall and the declared mass), weighs a reference weight every morning
(self-check) and reports its health every hour (status). The messages are the dataclasses the MQTT
parser produces (devices/protocol.py), so the loader hands them to the ingest's own store_batch.
The story is fixed: at a few markets one seller keeps short-weighing beyond the permitted
shortfall (R 87's numbers, which the demo's binding table repeats: the first week, before that
table takes effect, shows only indications), one scale fails its morning self-checks for the
last days, one falls silent two days before the end.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from devices import protocol
from metrology_svc.demo import places, traffic
from metrology_svc.demo.plan import DemoPlan, InstrumentPlan
from metrology_svc.demo.traffic import (
    VIETNAM,
    MarketScale,
    Stall,
    category_of,
    device_id_for,
)
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.readings.rules import ShortfallBand

DAYS = 30
SILENT_DAYS = 2
FAULT_DAYS = 3
SHORT_MARKETS = 4  # markets with a seller who keeps short-weighing (the inspector's among them)
SILENT_MARKET = "Chợ Đậu Liêu"
FAULTY_MARKET = "Chợ Cẩm Xuyên"


@dataclass(frozen=True, slots=True)
class Planned:
    """One message as the ingest would receive it: device, service clock time, parsed message."""

    device_id: str
    received_at: datetime
    message: protocol.Message


@dataclass(frozen=True)
class ReadingsPlan:
    """The month's messages, oldest first, and the story they tell."""

    start: datetime
    end: datetime
    scales: tuple[MarketScale, ...]
    messages: tuple[Planned, ...]
    short_sellers: frozenset[tuple[str, str]]  # (device id, stall reference)
    silent_device: str
    silent_from: datetime
    faulty_device: str
    fault_day: date  # local date of the first failed morning self-check


@dataclass(frozen=True, slots=True)
class _Story:
    start: datetime
    end: datetime
    short: frozenset[tuple[str, str]]
    silent: str
    silent_from: datetime
    faulty: str
    fault_day: date


def _stalls(plan: DemoPlan, items: Sequence[InstrumentPlan]) -> tuple[Stall, ...]:
    stalls: dict[int, Stall] = {}
    for item in items:
        retired = item.action is not None and item.action.action == "retire"
        if item.fields["role"] is InstrumentRole.TRADE and not retired:
            # One stall per seller: the first of their scales that the plan lists.
            category = category_of(plan.owners[item.owner].trade_name)
            stalls.setdefault(item.owner, Stall(item.fields["serial"], item.owner, category))
    return tuple(stalls.values())


def market_scales(plan: DemoPlan) -> list[MarketScale]:
    """Return each market's control scale with the sellers around it, in the markets' order."""
    out = []
    for market in places.MARKETS:
        items = [i for i in plan.instruments if i.site == market.name]
        control = next(i for i in items if i.fields["role"] is InstrumentRole.CONTROL)
        out.append(
            MarketScale(
                market=market.name,
                device_id=device_id_for(market.name),
                e_g=Decimal(repr(control.fields["e_g"])),
                weight=market.weight,
                stalls=_stalls(plan, items),
                last_verified=max((v.verified_on for v in control.history), default=None),
            )
        )
    return out


def _checks(
    rng: random.Random, scale: MarketScale, day: date, story: _Story, bands: Sequence[ShortfallBand]
) -> list[protocol.Message]:
    if not scale.stalls:
        return []
    count = round(scale.weight * rng.uniform(1.5, 2.7)) + rng.randint(0, 2)
    count += count // 3 if day.weekday() >= 5 else 0  # busier at weekends
    # Consumers bring back what they bought from a seller they doubt more often.
    repeat = [(scale.device_id, s.ref) in story.short for s in scale.stalls]
    weights = [3 if r else 1 for r in repeat]
    out: list[protocol.Message] = []
    for _ in range(count):
        index = rng.choices(range(len(scale.stalls)), weights)[0]
        short = rng.random() < (0.55 if repeat[index] else 0.012)
        at = traffic.local_time(day, rng.triangular(5.5, 18.0, 7.5))
        out.append(
            traffic.consumer_check(rng, scale, scale.stalls[index], short=short, bands=bands, at=at)
        )
    return out


def _device(
    rng: random.Random, scale: MarketScale, story: _Story, bands: Sequence[ShortfallBand]
) -> list[Planned]:
    boot = f"{rng.getrandbits(64):016x}"
    booted = story.start - timedelta(hours=rng.uniform(24, 900))
    rssi = rng.randint(-85, -55)
    first, last = story.start.astimezone(VIETNAM).date(), story.end.astimezone(VIETNAM).date()
    drafts: list[protocol.Message] = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        drifted = scale.device_id == story.faulty and day >= story.fault_day
        drafts += traffic.selfchecks(rng, scale, day, drifted=drifted)
        drafts += _checks(rng, scale, day, story, bands)
        drafts += traffic.plain_readings(rng, scale, day)
        drafts += traffic.hourly_statuses(rng, day, booted, rssi)
    silent = scale.device_id == story.silent
    until = story.silent_from if silent else story.end - timedelta(minutes=5)
    drafts = [m for m in drafts if story.start <= m.measured_at < until]
    # Silent: its last word was a low battery. Alive: a status moments before the end.
    final = (
        until - timedelta(seconds=1) if silent else story.end - timedelta(minutes=rng.uniform(1, 4))
    ).astimezone(VIETNAM)  # the device's clock keeps local time
    drafts.append(traffic.status(final, booted, rssi, ("low_battery",) if silent else ()))
    drafts.sort(key=lambda m: m.measured_at)
    return _sent(rng, scale.device_id, boot, drafts)


def _sent(
    rng: random.Random, device_id: str, boot: str, drafts: Sequence[protocol.Message]
) -> list[Planned]:
    # A second or two on the network; one client's QoS 1 messages arrive in the order sent.
    out: list[Planned] = []
    for seq, message in enumerate(drafts):
        received = message.measured_at + timedelta(seconds=rng.uniform(0.3, 2.5))
        if out and received <= out[-1].received_at:
            received = out[-1].received_at + timedelta(milliseconds=1)
        out.append(
            Planned(device_id, received.astimezone(UTC), replace(message, boot=boot, seq=seq))
        )
    return out


def _story(rng: random.Random, scales: Sequence[MarketScale], end: datetime) -> _Story:
    by_market = {s.market: s for s in scales}
    silent = by_market[SILENT_MARKET].device_id
    fault_day = end.astimezone(VIETNAM).date() - timedelta(days=FAULT_DAYS)
    # A verification recorded after the failed self-check would restore trust at once.
    candidates = (
        s.device_id
        for s in [by_market[FAULTY_MARKET], *scales]
        if s.device_id != silent and (s.last_verified is None or s.last_verified < fault_day)
    )
    faulty = next(candidates, by_market[FAULTY_MARKET].device_id)
    inspector = by_market[places.INSPECTOR_MARKET]
    others = [
        s
        for s in scales
        if len(s.stalls) >= 3 and s.device_id not in (silent, faulty) and s is not inspector
    ]
    chosen = [inspector] if len(inspector.stalls) >= 2 else []
    chosen += rng.sample(others, min(SHORT_MARKETS - len(chosen), len(others)))
    silent_from = end - timedelta(days=SILENT_DAYS, hours=rng.uniform(1, 4))
    return _Story(
        start=end - timedelta(days=DAYS),
        end=end,
        short=frozenset((s.device_id, rng.choice(s.stalls).ref) for s in chosen),
        silent=silent,
        silent_from=silent_from,
        faulty=faulty,
        fault_day=fault_day,
    )


def readings_end(*, today: date, now: datetime) -> datetime:
    """Return when the month ends: now if today is now's (UTC) date, else 18:00 that day."""
    if now.astimezone(UTC).date() == today:
        return now
    return datetime.combine(today, time(18), VIETNAM)


def build_readings_plan(
    *,
    seed: int,
    scales: Sequence[MarketScale],
    end: datetime,
    bands: Sequence[ShortfallBand],
) -> ReadingsPlan:
    """Return the month of messages before `end`; the same inputs give the same messages."""
    rng = random.Random(f"readings-{seed}")  # noqa: S311 (demo data, not security)
    story = _story(rng, scales, end)
    messages = [m for scale in scales for m in _device(rng, scale, story, bands)]
    messages.sort(key=lambda m: (m.received_at, m.device_id))
    return ReadingsPlan(
        start=story.start,
        end=end,
        scales=tuple(scales),
        messages=tuple(messages),
        short_sellers=story.short,
        silent_device=story.silent,
        silent_from=story.silent_from,
        faulty_device=story.faulty,
        fault_day=story.fault_day,
    )
