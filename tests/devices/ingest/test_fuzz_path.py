"""Fuzzing the whole path: hypothesis-drawn messages through a real Mosquitto into the ingest.

At least METROLOGY_FUZZ_MESSAGES (default 100,000) messages of every family in
tests/devices/strategies.py are published, QoS 1, to a private broker that the real ingest reads
into SQLite or PostgreSQL. After each batch a marker reading is published and awaited; then the
batch is accounted for message by message: every message the parser accepts for the market's
device is a row (a reading or a self-check, once) or the device's last status, every other one a
dead letter with the parser's reason, once per distinct (topic, payload) — and nothing else
appears. At the end one more reading is stored and the writer thread still runs, never restarted.
The parser is the oracle here: this test shows that the path (broker, ingest, writer, store,
database) does what protocol.parse says for any input; the parser's own verdicts are tested in
tests/devices/test_protocol.py.

How hypothesis drives 100,000 messages. One example cannot hold that much (hypothesis caps the
choices of one example at some 8 KB), and each drawn message costs about a millisecond of
hypothesis' own bookkeeping, so 100,000 draws per database would alone take minutes on two
cores. The test is therefore an inner @given over batches, each example one batch:
DRAFTS_PER_EXAMPLE messages drawn by hypothesis (with its bias for edge cases and boundary
values), each sent COPIES times, in turn. A valid message or a valid shape takes a fresh
(boot, seq) at most copies, so they are different payloads (other digits, other lengths, a
truncation at another byte) and different rows; the second copy reuses the first's key (the same
bytes again: a redelivery), the third the next draft's first key (other bytes under a stored key:
a conflicting duplicate); a fixed-bytes payload (random JSON, binary) is sent again as it is,
which the dead letter's own key must absorb. The ingest runs
for the whole test, not per example, so what the database holds is compared with a ledger of
everything sent so far.

Reproducing a failure: the "ci" profile is derandomized, so a rerun sends the same messages;
with HYPOTHESIS_PROFILE=thorough draws are random and a failing batch is kept in hypothesis'
example database and tried first next time. The failure message names the offending messages;
hypothesis also prints the batch and a @reproduce_failure blob. Examples are not shrunk: the
ingest's state carries over from one example to the next, so a shrunk rerun would not be the
same experiment.
"""

import functools
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from paho.mqtt.client import topic_matches_sub
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from devices import protocol
from devices.ingest import Ingest
from devices.protocol import ParsedMessage, Rejection
from metrology_svc.db import new_session
from metrology_svc.readings.models import DeadLetter, Device, Reading, SelfCheck
from tests.devices.ingest.conftest import running_ingest
from tests.devices.ingest.support import Market, Publisher
from tests.devices.strategies import Draft, drafts, named_cases
from tests.mqtt_broker import MosquittoBroker

FUZZ_MESSAGES: Final = int(os.environ.get("METROLOGY_FUZZ_MESSAGES", "100000"))
DRAFTS_PER_EXAMPLE: Final = 64  # what one example's choice budget holds with room to spare
COPIES: Final = 8
EXAMPLES: Final = math.ceil(FUZZ_MESSAGES / (DRAFTS_PER_EXAMPLE * COPIES))
BOOT: Final = "fz"  # boot of drawn messages; the markers have their own
MARKER_BOOT: Final = "fz-marker"
STORED_WITHIN_S: Final = 120.0  # generous: PostgreSQL on a loaded CI runner

# Reasons the dead letters must show, whatever the budget: malformed JSON or UTF-8 (json), a
# lone surrogate escape (text), oversize, a bad topic, an unknown device, another kind's topic,
# wrong types, bad formats, absurd masses, a known key with other bytes.
REACHED: Final = (
    "json text too_large topic unknown_device kind_mismatch type format mass_absurd "
    "conflicting_duplicate"
)
Key = tuple[str, int]  # (boot, seq) of the market's device: one sequence across kinds
DeadKey = tuple[str, bytes, int, str]  # (topic, payload as kept, payload size, reason code)


@dataclass
class Batch:
    """What one batch should add to the database."""

    readings: dict[tuple[str, int], protocol.Reading] = field(default_factory=dict)
    selfchecks: dict[tuple[str, int], protocol.SelfCheck] = field(default_factory=dict)
    dead: Counter[DeadKey] = field(default_factory=Counter)


@functools.cache
def _subscribed(topic: str) -> bool:
    """Tell whether the broker delivers a topic to the ingest (cached: topics repeat)."""
    return any(topic_matches_sub(f, topic) for f in protocol.subscriptions())


class Ledger:
    """Everything published so far and what the parser says each message must become."""

    def __init__(self, device_id: str, max_bytes: int) -> None:
        self.device_id, self.max_bytes = device_id, max_bytes
        self.payloads: dict[Key, bytes] = {}  # stored rows' payloads, to tell repeats apart
        self.dead: set[tuple[str, bytes]] = set()  # distinct (topic, payload) set aside
        self.last_status: dict[str, Any] | None = None
        self.tally: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()  # dead letters by the parser's code

    def expect(self, topic: str, payload: bytes, batch: Batch) -> None:
        """Record one published message and its expected outcome in the batch."""
        self.tally["published"] += 1
        if not _subscribed(topic):
            self.tally["not subscribed"] += 1  # the ingest never receives it
            return
        parsed = protocol.parse(topic, payload, now=datetime.now(UTC))
        if isinstance(parsed, Rejection):
            self._dead(topic, payload, parsed.code, batch)
        elif parsed.device_id != self.device_id:
            self._dead(topic, payload, "unknown_device", batch)
        else:
            self._valid(topic, payload, parsed, batch)

    def _valid(self, topic: str, payload: bytes, parsed: ParsedMessage, batch: Batch) -> None:
        msg = parsed.message
        if isinstance(msg, protocol.Status):
            self.tally["status"] += 1
            self._status(msg)
            return
        key = (msg.boot, msg.seq)
        known = self.payloads.get(key)
        if known == payload:
            self.tally["redelivered"] += 1  # the same bytes again: absorbed, nothing new
        elif known is not None:  # other bytes, or another kind, under a stored key
            self._dead(topic, payload, "conflicting_duplicate", batch)
        else:
            self.payloads[key] = payload
            self.tally[parsed.kind] += 1
            if isinstance(msg, protocol.Reading):
                batch.readings[(msg.boot, msg.seq)] = msg
            elif isinstance(msg, protocol.SelfCheck):
                batch.selfchecks[(msg.boot, msg.seq)] = msg

    def _dead(self, topic: str, payload: bytes, code: str, batch: Batch) -> None:
        if (topic, payload) in self.dead:
            self.tally["dead again"] += 1  # identical garbage: its dead letter exists already
            return
        self.dead.add((topic, payload))
        self.tally["dead letter"] += 1
        self.reasons[code] += 1
        batch.dead[(topic[:256], payload[: self.max_bytes], len(payload), code)] += 1

    def _status(self, msg: protocol.Status) -> None:
        # The device keeps the newest status by measured time; a tie goes to the later one.
        last = self.last_status
        if last is None or msg.measured_at >= datetime.fromisoformat(last["measured_at"]):
            self.last_status = {
                "measured_at": msg.measured_at.isoformat(),
                "uptime_s": msg.uptime_s,
                "firmware": msg.firmware,
                "rssi_dbm": msg.rssi_dbm,
                "errors": list(msg.errors),
            }


def _utc(at: datetime) -> datetime:
    """Read a stored time as UTC (SQLite gives it back without an offset)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _reading_differs(row: Reading, msg: protocol.Reading) -> str | None:
    check = msg.check
    want: dict[str, Any] = {
        "net_g": float(msg.mass_g),
        "stable": msg.stable,
        "measured_at": msg.measured_at.astimezone(UTC),
        "seller_ref_kind": check.seller.kind if check else None,
        "seller_ref": check.seller.value if check else None,
        "declared_g": float(check.declared_g) if check else None,
        "category": check.category if check else None,
    }
    got = {name: getattr(row, name) for name in want}
    got["measured_at"] = _utc(row.measured_at)
    return None if got == want else f"stored {got!r}, sent {want!r}"


def _selfcheck_differs(row: SelfCheck, msg: protocol.SelfCheck) -> str | None:
    want = (float(msg.nominal_g), float(msg.mass_g), msg.measured_at.astimezone(UTC))
    got = (row.reference_g, row.indicated_g, _utc(row.measured_at))
    return None if got == want else f"stored {got!r}, sent {want!r}"


def _same(what: str, want: Counter[Any], got: Counter[Any], sent: dict[Any, Any]) -> None:
    """Fail, naming a few of them, if rows are missing or present beyond what was expected."""
    missing, unexpected = want - got, got - want
    if missing or unexpected:

        def show(keys: Counter[Any]) -> str:
            return "; ".join(repr(sent.get(k, k))[:300] for k in list(keys.elements())[:5])

        pytest.fail(
            f"{what}: {missing.total()} expected but absent ({show(missing)}); "
            f"{unexpected.total()} present but not expected ({show(unexpected)})"
        )


class Watch:
    """Reads what the ingest added to the database since the last look."""

    def __init__(self, engine: Engine, device_id: str) -> None:
        self.engine, self.device_id = engine, device_id
        self.after: dict[str, int] = {"reading": 0, "selfcheck": 0, "dead": 0}

    def stored(self, boot: str, seq: int) -> bool:
        """Tell whether the device's reading with this key is in the database."""
        with new_session(self.engine) as session:
            stmt = select(Reading.id).where(
                Reading.device_id == self.device_id, Reading.boot == boot, Reading.seq == seq
            )
            return session.exec(stmt).first() is not None

    def check(self, batch: Batch, ledger: Ledger, marker: tuple[str, int]) -> None:
        """Compare what the batch added with what the ledger expects; advance the marks."""
        with new_session(self.engine) as session:
            readings = self._new(session, Reading, "reading")
            selfchecks = self._new(session, SelfCheck, "selfcheck")
            letters = self._new(session, DeadLetter, "dead")
            device = session.get(Device, self.device_id)
            assert device is not None
            last_status = device.last_status
        self._check_readings(readings, batch, marker)
        self._check_selfchecks(selfchecks, batch)
        got = Counter(
            (d.topic, bytes(d.payload), d.payload_size, d.reason.split(":", 1)[0]) for d in letters
        )
        _same("dead letters", batch.dead, got, {})
        assert last_status == ledger.last_status, "the device's last status is not the newest"

    def _new(self, session: Session, table: Any, mark: str) -> list[Any]:
        rows = list(
            session.exec(
                select(table).where(col(table.id) > self.after[mark]).order_by(col(table.id))
            )
        )
        if rows:
            self.after[mark] = rows[-1].id
        return rows

    def _check_readings(self, rows: list[Reading], batch: Batch, marker: tuple[str, int]) -> None:
        got = Counter((r.device_id, r.boot, r.seq) for r in rows)
        want = Counter((self.device_id, *key) for key in [*batch.readings, marker])
        sent = {(self.device_id, *key): msg for key, msg in batch.readings.items()}
        _same("readings", want, got, sent)
        wrong = [
            f"{(r.boot, r.seq)}: {diff}"
            for r in rows
            if (r.boot, r.seq) in batch.readings
            and (diff := _reading_differs(r, batch.readings[(r.boot, r.seq)]))
        ]
        assert not wrong, f"readings stored with other values: {wrong[:3]}"

    def _check_selfchecks(self, rows: list[SelfCheck], batch: Batch) -> None:
        got = Counter((r.device_id, r.boot, r.seq) for r in rows)
        want = Counter((self.device_id, *key) for key in batch.selfchecks)
        sent = {(self.device_id, *key): msg for key, msg in batch.selfchecks.items()}
        _same("self-checks", want, got, sent)
        wrong = [
            f"{(r.boot, r.seq)}: {diff}"
            for r in rows
            if (diff := _selfcheck_differs(r, batch.selfchecks[(r.boot, r.seq)]))
        ]
        assert not wrong, f"self-checks stored with other values: {wrong[:3]}"


class Run:
    """The fuzz run: publishes batches, waits for each marker, checks every message."""

    def __init__(self, ingest: Ingest, publisher: Publisher, watch: Watch, ledger: Ledger) -> None:
        self.ingest, self.publisher, self.watch, self.ledger = ingest, publisher, watch, ledger
        self.seq = 0
        self.device_id = watch.device_id

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def marker(self) -> tuple[str, bytes, tuple[str, int]]:
        """A plain valid reading with a key of its own, encoded by the protocol (to publish)."""
        seq = self._next()
        self.ledger.tally["published"] += 1
        message = protocol.Reading(
            boot=MARKER_BOOT,
            seq=seq,
            measured_at=datetime.now(UTC),
            mass_g=Decimal(1000),
            stable=True,
        )
        key = (MARKER_BOOT, seq)
        return protocol.topic(self.device_id, "reading"), protocol.encode(message), key

    def send(self, batch_drafts: list[Draft]) -> None:
        """Publish the drafts COPIES times over, then a marker; check once it is stored."""
        batch = Batch()
        topic, payload, key = self.marker()
        # Rendered as they are published: the ingest works on the first while the rest are made.
        messages = chain(self._rendered(batch_drafts, batch), [(topic, payload)])
        self.publisher.publish_all(messages, timeout=STORED_WITHIN_S)
        self.wait_for(key)
        self.watch.check(batch, self.ledger, key)

    def _rendered(self, batch_drafts: list[Draft], batch: Batch) -> Iterator[tuple[str, bytes]]:
        first: list[int] = []  # the key of each draft's first copy
        for copy in range(COPIES):
            for i, draft in enumerate(batch_drafts):
                if copy == 0:
                    first.append(seq := self._next())
                elif copy == 1:
                    seq = first[i]  # the same bytes again: a redelivery
                elif copy == 2:
                    seq = first[(i + 1) % len(first)]  # the next one's key: conflicts if both valid
                else:
                    seq = self._next()
                payload = draft.render(BOOT, seq)
                self.ledger.expect(draft.topic, payload, batch)
                yield draft.topic, payload

    def wait_for(self, key: tuple[str, int]) -> None:
        """Wait until the marker is stored; fail at once if the writer thread is gone."""
        deadline = time.monotonic() + STORED_WITHIN_S
        while not self.watch.stored(*key):
            assert self.ingest.writer.status().alive, "the ingest's writer thread stopped"
            assert time.monotonic() < deadline, f"marker {key} not stored in {STORED_WITHIN_S}s"
            time.sleep(0.02)


@pytest.fixture
def fuzz_run(
    mosquitto: MosquittoBroker, market_db: tuple[Engine, Market]
) -> Iterator[tuple[Run, Engine]]:
    """An ingest on the market's database reading a private broker, and a fast publisher."""
    engine, market = market_db
    with running_ingest(engine, mosquitto.url) as ingest:
        publisher = Publisher(mosquitto.port, client_id="fuzz-publisher")
        ledger = Ledger(market.device_id, ingest.settings.dead_letter_max_bytes)
        try:
            yield Run(ingest, publisher, Watch(engine, market.device_id), ledger), engine
        finally:
            publisher.close()


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with new_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table).where(*where)).one())


def _batches(device_id: str) -> st.SearchStrategy[list[Draft]]:
    return st.lists(drafts(device_id), min_size=DRAFTS_PER_EXAMPLE, max_size=DRAFTS_PER_EXAMPLE)


def _fuzz(run: Run) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(_batches(run.device_id))
    @example(named_cases(run.device_id))
    def one_batch(batch_drafts: list[Draft]) -> None:
        run.send(batch_drafts)

    return one_batch


def test_fuzzed_messages_are_each_stored_or_set_aside_once_and_the_ingest_lives(
    fuzz_run: tuple[Run, Engine],
) -> None:
    run, engine = fuzz_run
    started, cpu = time.monotonic(), time.process_time()
    _fuzz(run)()
    # Still consuming after everything: one more reading, published after all was stored.
    topic, payload, key = run.marker()
    run.publisher.publish_all([(topic, payload)])
    run.wait_for(key)
    assert run.ingest.writer.status().alive
    assert run.ingest.writer.restarts == 0  # no input stopped it, not even for a while
    assert run.ingest.connected.is_set()
    tally = run.ledger.tally
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    print(f"fuzz: {dict(tally)} in {elapsed:.1f} s, {cpu:.1f} s CPU in this process")
    print(f"fuzz: dead letters by reason {dict(run.ledger.reasons)}")
    assert tally["published"] >= FUZZ_MESSAGES
    # Every family reached the ingest (the named cases alone see to that) and came out right.
    outcomes = {"reading", "selfcheck", "status", "redelivered", "dead again", "not subscribed"}
    assert outcomes <= tally.keys()
    assert set(REACHED.split()) <= run.ledger.reasons.keys()
    # The totals agree too: nothing stored or set aside beyond what the batches accounted for.
    device = Reading.device_id == run.device_id
    markers = _count(engine, Reading, device, Reading.boot == MARKER_BOOT)
    assert _count(engine, Reading, device) - markers == tally["reading"]
    assert _count(engine, SelfCheck) == tally["selfcheck"]
    assert _count(engine, DeadLetter) == tally["dead letter"] == len(run.ledger.dead)
    # Every published message was one of: a row, a dead letter, a repeat of either, a status,
    # or on a topic the ingest does not read (the markers are the readings above).
    accounted = sum(tally[k] for k in tally if k != "published") + markers
    assert accounted == tally["published"]
