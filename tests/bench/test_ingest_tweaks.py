"""The bench's proposals change how fast the ingest is, never what it stores or sends."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlmodel import SQLModel

from bench.ingest_tweaks import TOUCH_S, TWEAKS
from devices import acks, store
from devices import schema as spec
from devices.acks import ranges
from metrology_svc.readings import bulk
from metrology_svc.readings.models import Device

T = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
boots = st.from_regex(spec.BOOT_ID, fullmatch=True)
seqs = st.sets(st.integers(min_value=0, max_value=spec.MAX_SEQ), max_size=40)
aware = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)


# What the tweaks replace, taken before any is applied.
STOCK_ENCODE_ACK = acks.encode_ack
STOCK_PROCESSOR = bulk._processor
STOCK_TOUCH = store._touch


@pytest.fixture(scope="module")
def tweaked() -> Iterator[pytest.MonkeyPatch]:
    """Apply every tweak for this module's tests only."""
    mp = pytest.MonkeyPatch()
    for apply in TWEAKS.values():
        apply(mp.setattr)
    replaced = (acks.encode_ack, bulk._processor, store._touch)
    assert all(a is not b for a, b in zip(replaced, STOCK_ALL, strict=True))
    yield mp
    mp.undo()


STOCK_ALL = (STOCK_ENCODE_ACK, STOCK_PROCESSOR, STOCK_TOUCH)


@given(boot=boots, numbers=seqs)
def test_fast_ack_payload_is_byte_for_byte_the_json_one(
    tweaked: pytest.MonkeyPatch, boot: str, numbers: set[int]
) -> None:
    spans = ranges(numbers)
    assert acks.encode_ack(boot, spans) == STOCK_ENCODE_ACK(boot, spans)
    parsed = acks.parse_ack(acks.encode_ack(boot, spans))
    assert parsed is not None
    assert parsed.ranges == tuple(spans)


@given(value=aware)
def test_sqlite_fast_datetime_writes_the_orm_text(
    tweaked: pytest.MonkeyPatch, value: datetime
) -> None:
    table = SQLModel.metadata.tables["reading"]
    dialect = sqlite.dialect()
    orm = table.c["measured_at"].type.dialect_impl(dialect).bind_processor(dialect)

    class Conn:  # what _processor reads of a connection
        pass

    conn = Conn()
    conn.dialect = dialect  # type: ignore[attr-defined]
    fast = bulk._processor(table, "measured_at", conn)  # type: ignore[arg-type]
    assert orm is not None
    assert fast(value) == orm(value)
    assert fast(None) is None


def test_sqlite_fast_datetime_refuses_a_naive_time_as_the_orm_does(
    tweaked: pytest.MonkeyPatch,
) -> None:
    table = SQLModel.metadata.tables["reading"]

    class Conn:
        dialect = sqlite.dialect()

    fast = bulk._processor(table, "received_at", Conn())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone"):
        fast(datetime(2026, 11, 22, 1, 0))


def _device(
    measured: datetime | None = None, received: datetime | None = None, *, offline: bool = False
) -> Device:
    return Device(
        id="cs-1",
        instrument_id=1,
        site_id=1,
        credential_hash="x",
        last_measured_at=measured,
        last_received_at=received,
        offline=offline,
    )


def test_coarse_touch_leaves_a_device_written_less_than_touch_s_ago(
    tweaked: pytest.MonkeyPatch,
) -> None:
    device = _device(T, T)
    store._touch(device, T + timedelta(seconds=5), T + timedelta(seconds=TOUCH_S - 1))
    assert (device.last_measured_at, device.last_received_at) == (T, T)


def test_coarse_touch_writes_both_times_once_touch_s_has_passed(
    tweaked: pytest.MonkeyPatch,
) -> None:
    device = _device(T, T)
    later = T + timedelta(seconds=TOUCH_S)
    store._touch(device, T + timedelta(seconds=3), later)
    assert (device.last_measured_at, device.last_received_at) == (T + timedelta(seconds=3), later)
    # An older device clock never moves last_measured_at back.
    store._touch(device, T, later + timedelta(seconds=TOUCH_S))
    assert device.last_measured_at == T + timedelta(seconds=3)


def test_coarse_touch_brings_an_offline_device_back_at_once(tweaked: pytest.MonkeyPatch) -> None:
    device = _device(T, T, offline=True)
    store._touch(device, T, T + timedelta(seconds=1))
    assert device.offline is False
    assert device.last_received_at == T + timedelta(seconds=1)


def test_coarse_touch_writes_a_device_that_never_sent(tweaked: pytest.MonkeyPatch) -> None:
    device = _device()
    at = datetime(2026, 11, 22, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    store._touch(device, at, T)
    assert (device.last_measured_at, device.last_received_at) == (at, T)
