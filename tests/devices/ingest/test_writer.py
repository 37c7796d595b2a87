"""The batch writer acknowledges a message only after the commit that holds it."""

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from devices.ingest_writer import BatchWriter, Delivery
from devices.protocol import parse
from devices.store import BatchOutcome, Incoming
from metrology_svc.core.clock import utcnow
from metrology_svc.db import build_engine, new_session
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import DeadLetter, Reading
from metrology_svc.settings import Settings
from tests.devices.ingest.support import T0, Market, count, reading_payload
from tests.metrology_svc.readings.support import load_binding


def _delivery(device_id: str, seq: int) -> Delivery:
    topic = f"metrology/v1/{device_id}/readings"
    payload = reading_payload(seq)
    item = Incoming(topic, payload, parse(topic, payload), utcnow())
    return Delivery(item=item, mid=seq + 1, qos=1, generation=1)


def test_nothing_is_acked_while_the_database_refuses_the_commit(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    path = Path(str(engine.url.database))
    impatient = build_engine(f"sqlite:///{path}", busy_timeout_ms=100)
    acked: list[list[int]] = []
    got_ack = threading.Event()

    def ack(batch: list[Delivery]) -> None:
        acked.append([d.mid for d in batch])
        got_ack.set()

    writer = BatchWriter(
        engine=impatient,
        rules=IngestRules.from_settings(Settings()),
        ack=ack,
        batch_ms=20,
        stall_s=0.5,
    )
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    writer.start()
    try:
        for seq in range(3):
            writer.put(_delivery(market.device_id, seq))
        time.sleep(1.5)  # several failed attempts
        assert acked == []
        status = writer.status()
        assert status.alive
        assert status.waiting == 3
        assert status.stalled  # messages wait and nothing moved for longer than stall_s
        assert status.last_commit_age_s is None
        locker.execute("ROLLBACK")
        assert got_ack.wait(15)
        status = writer.status()
        assert (status.waiting, status.stalled) == (0, False)
        assert status.last_commit_age_s is not None
    finally:
        writer.stop()
        locker.close()
        impatient.dispose()
    assert acked == [[1, 2, 3]]
    assert count(engine, Reading) == 3


def test_a_table_loaded_while_the_ingest_runs_is_applied_without_a_restart(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, _market = sqlite_market_db
    with new_session(engine) as session:
        rules = IngestRules.from_database(session, Settings())
    assert not rules.rulebook.shortfall_bands(on=T0.date()).ref.binding  # R 87: reference only
    writer = BatchWriter(engine=engine, rules=rules, ack=lambda _batch: None, rules_check_s=0.05)
    writer.start()
    try:
        time.sleep(0.3)
        assert writer.rules is rules  # nothing loaded: the rulebook is not read again
        with new_session(engine) as session:
            load_binding(session)
            session.commit()
        deadline = time.monotonic() + 10
        while writer.rules is rules and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writer.stop()
    assert writer.rules.rulebook.shortfall_bands(on=T0.date()).ref.binding
    assert writer.rules.marker is not None
    assert rules.marker is not None
    assert writer.rules.marker[0] == rules.marker[0] + 1


class _FlakyWriter(BatchWriter):
    """A writer whose store fails as a driver did, for chosen sequence numbers, then succeeds."""

    def __init__(self, *, fail: dict[int, list[Exception]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail = fail

    def _store(self, items: list[Incoming]) -> BatchOutcome:
        for item in items:
            parsed = item.parsed
            seq = getattr(getattr(parsed, "message", None), "seq", None)
            queued = self.fail.get(seq) if isinstance(seq, int) else None
            if queued:
                raise queued.pop(0)
        return super()._store(items)


def _run_writer(
    engine: Engine, device_id: str, writer_fail: dict[int, list[Exception]], batches: int
) -> list[int]:
    """Feed batches of three readings to a flaky writer; return the acknowledged ids."""
    acked: list[int] = []
    done = threading.Event()

    def ack(batch: list[Delivery]) -> None:
        acked.extend(d.mid for d in batch)
        if len(acked) >= 3 * batches:
            done.set()

    writer = _FlakyWriter(
        fail=writer_fail,
        engine=engine,
        rules=IngestRules.from_settings(Settings()),
        ack=ack,
        batch_ms=20,
    )
    writer.start()
    try:
        for b in range(batches):
            for seq in range(3 * b, 3 * b + 3):
                writer.put(_delivery(device_id, seq))
            time.sleep(0.3)  # one batch at a time
        assert done.wait(15), acked
        thread = writer._thread
        assert thread is not None
        assert thread.is_alive()  # the writer survived
    finally:
        writer.stop()
    return sorted(acked)


def test_a_message_the_driver_cannot_encode_is_set_aside_and_the_writer_goes_on(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    # As the lone surrogate "\ud800" did before the parser refused it: not a SQLAlchemy error.
    bad = UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    acked = _run_writer(engine, market.device_id, {1: [bad, bad]}, batches=2)
    assert acked == [1, 2, 3, 4, 5, 6]  # every message acknowledged, the next batch too
    assert count(engine, Reading) == 5
    with new_session(engine) as session:
        letters = session.exec(select(DeadLetter)).all()
    assert [d.reason.startswith("database: ") for d in letters] == [True]
    assert "surrogates not allowed" in letters[0].reason


def test_the_database_dropping_while_storing_one_by_one_is_waited_out(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    refused = IntegrityError("INSERT", {}, Exception("refused"))
    gone = OperationalError("INSERT", {}, Exception("database is gone"))
    # The batch is refused, then the database drops during the one-by-one fallback, then returns.
    acked = _run_writer(engine, market.device_id, {0: [refused], 1: [gone]}, batches=1)
    assert acked == [1, 2, 3]
    assert count(engine, Reading) == 3  # nothing lost, nothing twice


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


class _Stopping(BatchWriter):
    """A writer whose store stops its thread (SystemExit, as a bug might) when told to."""

    def __init__(self, *, stops: Callable[[list[Incoming]], bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stops = stops

    def _store(self, items: list[Incoming]) -> BatchOutcome:
        if self.stops(items):
            raise SystemExit("the writer thread is told to stop")
        return super()._store(items)


def _seqs(items: list[Incoming]) -> set[int]:
    return {getattr(getattr(i.parsed, "message", None), "seq", -1) for i in items}


def _run_stopping(
    engine: Engine,
    device_id: str,
    stops: Callable[[list[Incoming]], bool],
    ack: Callable[[list[Delivery]], None] | None = None,
    batches: int = 1,
) -> tuple[BatchWriter, list[int]]:
    """Feed batches of three readings to a writer that stops as told; return it and the acks."""
    acked: list[int] = []
    attempts: list[int] = []  # batches handed over for acknowledgement, acked or not

    def record(batch: list[Delivery]) -> None:
        attempts.append(len(batch))
        if ack is not None:
            ack(batch)
        acked.extend(d.mid for d in batch)

    writer = _Stopping(
        stops=stops,
        engine=engine,
        rules=IngestRules.from_settings(Settings()),
        ack=record,
        batch_ms=20,
        restart_s=0.05,
    )
    writer.start()
    try:
        for b in range(batches):
            for seq in range(3 * b, 3 * b + 3):
                writer.put(_delivery(device_id, seq))
            deadline = time.monotonic() + 15  # one batch at a time
            while len(attempts) <= b and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(attempts) == b + 1, attempts
        assert writer.status().alive
        assert _metric("metrology_ingest_writer_up") == 1
    finally:
        writer.stop()
    assert _metric("metrology_ingest_writer_up") == 0
    return writer, sorted(acked)


def test_a_writer_thread_that_stops_is_restarted_and_its_batch_stored_once(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    restarts = _metric("metrology_ingest_writer_restarts_total")
    once = iter([True])
    writer, acked = _run_stopping(engine, market.device_id, lambda _items: next(once, False))
    assert writer.restarts == 1
    assert _metric("metrology_ingest_writer_restarts_total") == restarts + 1
    assert acked == [1, 2, 3]  # the batch the stopped thread held, acked once
    assert count(engine, Reading) == 3
    assert count(engine, DeadLetter) == 0


def test_a_message_that_stops_the_thread_every_time_is_set_aside(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    # Stored in the batch, then alone: each time seq 1 is in hand, the thread stops.
    writer, acked = _run_stopping(engine, market.device_id, lambda items: 1 in _seqs(items))
    assert writer.restarts == 2  # the batch, then the message alone: then it is set aside
    assert acked == [1, 2, 3]
    assert count(engine, Reading) == 2
    with new_session(engine) as session:
        letter = session.exec(select(DeadLetter)).one()
    assert letter.reason.startswith("writer_crash: SystemExit")
    assert letter.payload == reading_payload(1)


def _ack_errors() -> float:
    labels = {"stage": "ack"}
    return REGISTRY.get_sample_value("metrology_ingest_writer_errors_total", labels) or 0.0


def test_a_failing_acknowledgement_does_not_stop_the_writer(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    errors = _ack_errors()
    failures = iter([RuntimeError("publish failed"), SystemExit("stopped while acking")])

    def ack(_batch: list[Delivery]) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure

    writer, acked = _run_stopping(
        engine, market.device_id, lambda _items: False, ack=ack, batches=3
    )
    # The first two batches were committed and their acks failed; the second stopped the
    # thread, and the new one does not ack that batch again (it could PUBACK an id the broker
    # has given to another message since): the broker redelivers it, absorbed as duplicates.
    assert acked == [7, 8, 9]
    assert _ack_errors() == errors + 1
    assert writer.restarts == 1
    assert count(engine, Reading) == 9
