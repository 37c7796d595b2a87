"""The month of control-scale traffic is pure: messages the parser accepts, and a fixed story."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from devices import protocol
from metrology_svc.demo import places
from metrology_svc.demo.plan import DemoPlan
from metrology_svc.demo.readings_loader import batches, incoming
from metrology_svc.demo.readings_plan import (
    DAYS,
    ReadingsPlan,
    build_readings_plan,
    market_scales,
    readings_end,
)
from metrology_svc.demo.traffic import VIETNAM, category_of, device_id_for
from metrology_svc.readings import rules
from tests.metrology_svc.demo.conftest import TODAY
from tests.metrology_svc.demo.test_plan import _plan

BANDS = rules.read_shortfall_table()
END = datetime(2026, 3, 15, 11, 0, tzinfo=UTC)


def _readings(plan: DemoPlan, seed: int = 42, end: datetime = END) -> ReadingsPlan:
    return build_readings_plan(seed=seed, scales=market_scales(plan), end=end, bands=BANDS)


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    """The default demo plan."""
    return _plan(42)


@pytest.fixture(scope="module")
def month(plan: DemoPlan) -> ReadingsPlan:
    """Its month of readings."""
    return _readings(plan)


def test_same_seed_same_messages_other_seed_others(plan: DemoPlan, month: ReadingsPlan) -> None:
    assert _readings(plan) == month
    assert _readings(plan, seed=7).messages != month.messages


def test_every_message_is_what_the_parser_makes_of_its_payload(month: ReadingsPlan) -> None:
    assert month.messages
    for planned in month.messages:
        item = incoming(planned)
        assert protocol.parse(item.topic, item.payload, now=item.received_at) == item.parsed
        assert item.received_at.tzinfo is not None
        assert 0 < (item.received_at - planned.message.measured_at).total_seconds() < 3


def test_the_month_is_moderate_ordered_and_inside_its_window(month: ReadingsPlan) -> None:
    kinds = Counter(protocol.kind_of(p.message) for p in month.messages)
    checks = sum(1 for p in month.messages if getattr(p.message, "check", None))
    assert 2000 <= kinds["reading"] <= 5000
    assert checks > kinds["reading"] / 2
    assert 300 <= kinds["selfcheck"] <= 800
    assert kinds["status"] > 12 * DAYS * 20
    received = [p.received_at for p in month.messages]
    assert received == sorted(received)
    assert month.end - month.start == timedelta(days=DAYS)
    assert all(month.start <= p.message.measured_at < month.end for p in month.messages)
    assert {p.device_id for p in month.messages} == {device_id_for(m.name) for m in places.MARKETS}
    for device_id in {p.device_id for p in month.messages}:
        seqs = [p.message.seq for p in month.messages if p.device_id == device_id]
        assert seqs == list(range(len(seqs)))  # one boot, one sequence, sent in order


def test_batches_go_a_day_at_a_time(month: ReadingsPlan) -> None:
    parts = list(batches(month.messages, size=500))
    assert sum(len(b) for b in parts) == len(month.messages)
    for batch in parts:
        assert len(batch) <= 500
        assert len({p.received_at.astimezone(VIETNAM).date() for p in batch}) == 1


def _judged(month: ReadingsPlan) -> Counter[tuple[str, str, bool]]:
    judged: Counter[tuple[str, str, bool]] = Counter()
    for planned in month.messages:
        message = planned.message
        if isinstance(message, protocol.Reading) and message.check is not None:
            # Judged as the demo's binding table does (it repeats R 87's numbers).
            ev = rules.judge_check(
                declared_g=message.check.declared_g,
                measured_g=message.mass_g,
                bands=BANDS,
                binding=True,
            )
            judged[(planned.device_id, message.check.seller.value, ev.short)] += 1
    return judged


def test_a_few_sellers_keep_short_weighing_and_most_are_honest(month: ReadingsPlan) -> None:
    judged = _judged(month)
    inspector = device_id_for(places.INSPECTOR_MARKET)
    assert len(month.short_sellers) == 4
    assert inspector in {device for device, _ in month.short_sellers}
    for device, ref in month.short_sellers:
        assert judged[(device, ref, True)] >= 6, (device, ref)
    shorts = sum(n for (_, _, short), n in judged.items() if short)
    assert shorts < 0.1 * sum(judged.values())
    incidental = {(d, r) for (d, r, short) in judged if short} - month.short_sellers
    assert all(judged[(d, r, True)] < 3 for d, r in incidental)


def test_one_scale_falls_silent_and_another_drifts(month: ReadingsPlan) -> None:
    silent = [p for p in month.messages if p.device_id == month.silent_device]
    assert month.silent_device == device_id_for("Chợ Đậu Liêu")
    assert silent[-1].message.measured_at < month.end - timedelta(days=2)
    assert isinstance(silent[-1].message, protocol.Status)
    assert silent[-1].message.errors == ("low_battery",)
    assert month.faulty_device not in (month.silent_device, None)
    for planned in month.messages:
        message = planned.message
        if isinstance(message, protocol.SelfCheck):
            error = abs(message.mass_g - message.nominal_g)
            drifted = planned.device_id == month.faulty_device and (
                message.measured_at.astimezone(VIETNAM).date() >= month.fault_day
            )
            assert (error >= 4 * Decimal(20)) if drifted else (error <= Decimal(20))
    alive = {p.device_id: p for p in month.messages if p.device_id != month.silent_device}
    assert all(month.end - p.received_at < timedelta(minutes=5) for p in alive.values())


def test_the_month_ends_now_on_the_real_today_and_at_the_close_otherwise() -> None:
    now = datetime(2026, 3, 15, 17, 30, tzinfo=UTC)
    assert readings_end(today=TODAY, now=now) == now
    assert readings_end(today=TODAY, now=now + timedelta(days=200)) == datetime(
        2026, 3, 15, 18, tzinfo=VIETNAM
    )


def test_stalls_take_the_goods_of_their_trade_names() -> None:
    assert category_of("Sạp cá cô Lan") == "ca"
    assert category_of("Quầy gà vịt bà Thảo") == "thit_ga"
    assert category_of("Ki-ốt trái cây chị Hoa") == "trai_cay"
    assert category_of("Sạp tạp hóa chú Hùng") == "khac"
    assert category_of(None) == "khac"
    assert device_id_for("Chợ cá Thiên Cầm") == "cdc-ca-thien-cam"
    assert device_id_for("Chợ Đậu Liêu") == "cdc-dau-lieu"
    assert all(protocol.is_device_id(device_id_for(m.name)) for m in places.MARKETS)
