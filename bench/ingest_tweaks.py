"""Proposed ingest changes, applied as monkeypatches inside the bench's processes only.

`python -m bench.ingest_field --tweaks a,b` (and bench.ingest_store) measures a proposal before
anyone edits devices/ or metrology_svc/: each tweak here is the exact change it stands for,
written as a patch of the running modules. tests/bench/test_ingest_tweaks.py shows each one
keeps what it replaces (same bytes, same text, same device state where it matters).
"""

import inspect
from collections.abc import Callable
from typing import Any

Patch = Callable[[Any, str, Any], None]  # setattr, or pytest's monkeypatch.setattr
TWEAKS: dict[str, Callable[[Patch], None]] = {}


def tweak(func: Callable[[Patch], None]) -> Callable[[Patch], None]:
    """Register a tweak under its function's name."""
    TWEAKS[func.__name__] = func
    return func


def native_acks() -> bool:
    """Tell whether the ingest in devices/ publishes end-to-end acks itself."""
    from devices import ingest, ingest_writer

    return any("ack_messages" in inspect.getsource(mod) for mod in (ingest, ingest_writer))


def apply(names: list[str], patch: Patch = setattr) -> str:
    """Apply the named tweaks; return whether the ingest publishes end-to-end acks."""
    for name in names:
        TWEAKS[name](patch)
    return "native" if native_acks() else "absent"


# --- proposals ------------------------------------------------------------------------------

TOUCH_S = 10.0  # coarse_touch: how stale a device's last_received_at / last_measured_at may be


@tweak
def coarse_touch(patch: Patch) -> None:
    """devices/store.py `_touch`: write a device's times only every TOUCH_S of receipt time.

    Each batch set last_received_at and last_measured_at on every device it held, so 500
    devices meant 500 ORM attribute sets and 500 UPDATEs per batch (several a second each),
    for a liveness that counts in minutes. Now a device row is written when it comes back
    (offline), when it has no times yet, or when the batch received from it TOUCH_S or more
    after the stored last_received_at: at most one UPDATE per device per TOUCH_S. Both stored
    times then lag by less than TOUCH_S of receipt time (offline after 15 minutes).
    """
    from datetime import datetime, timedelta

    from devices import store
    from metrology_svc.readings.models import Device

    step = timedelta(seconds=TOUCH_S)

    def _touch(device: Device, measured_at: datetime, received_at: datetime) -> None:
        received = device.last_received_at
        if not device.offline and received is not None and received_at < received + step:
            return  # written less than TOUCH_S ago: leave the row alone
        if device.last_measured_at is None or measured_at > device.last_measured_at:
            device.last_measured_at = measured_at
        if received is None or received_at > received:
            device.last_received_at = received_at
        if device.offline:
            device.offline = False

    patch(store, "_touch", _touch)


@tweak
def fast_ack_payload(patch: Patch) -> None:
    """devices/acks.py `encode_ack`: format the payload directly instead of json.dumps.

    The boot id is validated by the parser (BOOT_ID: letters, digits, '-') and the ranges are
    ints, so the text needs no escaping; the bytes are identical to json.dumps(...,
    separators=(",", ":")) of the same object (the tests' round trip through parse_ack holds).
    """
    from collections.abc import Iterable

    from devices import acks
    from devices.protocol import VERSION

    def encode_ack(boot: str, seq_ranges: Iterable[tuple[int, int]]) -> bytes:
        spans = ",".join(f"[{first},{last}]" for first, last in seq_ranges)
        return f'{{"v":{VERSION},"kind":"ack","boot":"{boot}","seqs":[{spans}]}}'.encode()

    patch(acks, "encode_ack", encode_ack)


@tweak
def sqlite_fast_datetime(patch: Patch) -> None:
    """metrology_svc/readings/bulk.py `_processor`: one C call per datetime on SQLite.

    UTCDateTime's bind path on SQLite is two Python calls per value (the decorator's
    astimezone, then SQLite's DATETIME processor, a %-format of eight fields). isoformat(" ",
    "microseconds") of the UTC value gives the very same text ("2026-11-22 01:00:00.000000"),
    so rows stay byte-identical to the ORM's.
    """
    from datetime import UTC, datetime

    from sqlalchemy import Connection, Table
    from sqlmodel.sql.sqltypes import UTCDateTime

    from metrology_svc.readings import bulk

    stock = bulk._processor

    def text(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information")  # as UTCDateTime
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def _processor(table: Table, key: str, conn: Connection) -> Any:
        if conn.dialect.name == "sqlite" and isinstance(table.c[key].type, UTCDateTime):
            return text
        return stock(table, key, conn)

    patch(bulk, "_processor", _processor)
