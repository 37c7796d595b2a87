"""The ingest's batch writer: the only thread that touches the database, and the one that acks.

paho's network thread only parses and enqueues. This thread gathers a batch (by size or time),
stages it, commits, and only then hands the batch back for acknowledgement: a message is never
acknowledged before what it carries is durable.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from devices import ingest_metrics as m
from devices.registry import sweep_offline
from devices.store import BatchOutcome, Incoming, dead_letter, store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.db import new_session
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.repository import ReadingRepository

log = logging.getLogger(__name__)
RULES_CHECK_S = 60.0  # how often the writer looks for a rule table loaded since it read them


class Delivery(NamedTuple):
    """A received message with what is needed to acknowledge it on its own connection."""

    item: Incoming
    mid: int
    qos: int
    generation: int


Acker = Callable[[list[Delivery]], None]


class BatchWriter:
    """Commit deliveries in batches, then acknowledge them."""

    def __init__(
        self,
        *,
        engine: Engine,
        rules: IngestRules,
        ack: Acker,
        batch_size: int = 1000,
        batch_ms: int = 50,
        offline_minutes: int = 15,
        rules_check_s: float = RULES_CHECK_S,
    ) -> None:
        self.engine, self.rules, self.ack = engine, rules, ack
        self.batch_size, self.batch_s = batch_size, batch_ms / 1000
        self.offline_minutes = offline_minutes
        self.rules_check_s = rules_check_s
        self._queue: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_sweep = 0.0
        self._next_rules_check = time.monotonic() + rules_check_s

    def put(self, delivery: Delivery) -> None:
        """Enqueue a delivery (called from paho's thread; never blocks)."""
        self._queue.put(delivery)

    def start(self) -> None:
        """Start the writer thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit and acknowledge what is queued, then stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            batch = self._collect()
            if batch:
                if self._commit(batch) is None:
                    return  # stopping while the database is down: the broker redelivers later
                self.ack(batch)
            elif self._stop.is_set():
                return
            self._maybe_sweep()
            self._maybe_reload_rules()

    def _collect(self) -> list[Delivery]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        # Let the batch fill by sleeping, then drain in one go: blocking on get() per message
        # would wake this thread (and pass the GIL back and forth) for every message.
        deadline = time.monotonic() + self.batch_s
        while self._queue.qsize() < self.batch_size - 1 and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(remaining, 0.005))
        batch = [first]
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        m.RECEIVED.inc(len(batch))  # counted here, not per message in paho's thread
        m.QUEUE.set(self._queue.qsize())
        return batch

    def _commit(self, batch: list[Delivery]) -> BatchOutcome | None:
        delay = 0.5
        items = [d.item for d in batch]
        while True:
            try:
                outcome = self._store_or_split(items)
            except OperationalError as exc:
                # The database is unreachable or locked (also half-way through storing one by
                # one): keep the batch, wait, retry; what was stored comes back as duplicates.
                log.warning("ingest: database unavailable (%s); retrying", str(exc)[:200])
                if self._stop.wait(delay):
                    return None
                delay = min(delay * 2, 30.0)
                continue
            self._count(outcome, batch)
            return outcome

    def _store_or_split(self, items: list[Incoming]) -> BatchOutcome:
        try:
            return self._store(items)
        except OperationalError:
            raise
        except Exception as exc:  # a row the database refuses, or anything unforeseen
            # Whatever one message does to the driver (an integrity error, text it cannot
            # encode), the writer goes on: each message is stored alone or set aside.
            log.warning("ingest: batch refused (%s); storing one by one", str(exc)[:200])
            return self._one_by_one(items)

    def _store(self, items: list[Incoming]) -> BatchOutcome:
        with new_session(self.engine) as session:
            outcome = store_batch(session, items, self.rules)
            session.commit()
        return outcome

    def _one_by_one(self, items: list[Incoming]) -> BatchOutcome:
        total = BatchOutcome()
        for item in items:
            try:
                outcome = self._store([item])
            except OperationalError:
                raise
            except Exception as exc:  # set aside with its reason, never lost
                outcome = self._refused(item, exc)
            total.stored += outcome.stored
            total.duplicates += outcome.duplicates
            total.rejected += outcome.rejected
            for reason, count in outcome.reasons.items():
                total.reasons[reason] += count
        return total

    def _refused(self, item: Incoming, exc: Exception) -> BatchOutcome:
        row = dead_letter(
            item, reason=f"database: {str(exc)[:200]}", max_bytes=self.rules.dead_letter_max_bytes
        )
        with new_session(self.engine) as session:
            ReadingRepository(session).add_dead_letters([row])
            session.commit()
        outcome = BatchOutcome(rejected=1)
        outcome.reasons["database"] += 1
        return outcome

    def _count(self, outcome: BatchOutcome, batch: list[Delivery]) -> None:
        m.STORED.inc(outcome.stored)
        m.DUPLICATES.inc(outcome.duplicates)
        for reason, count in outcome.reasons.items():
            m.REJECTED.labels(reason=reason).inc(count)
        oldest = min(d.item.received_at for d in batch)
        m.LAG.set((utcnow() - oldest).total_seconds())

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + 60
        try:
            with new_session(self.engine) as session:
                gone = sweep_offline(session, now=utcnow(), silence_minutes=self.offline_minutes)
                session.commit()
        except SQLAlchemyError as exc:
            log.warning("ingest: offline sweep failed (%s)", str(exc)[:200])
            return
        for device in gone:
            log.warning(
                "device %s is offline / thiết bị mất kết nối",
                device.id,
                extra={"device_id": device.id},
            )

    def _maybe_reload_rules(self) -> None:
        # Rule tables are only ever added: their count and newest id change on every load, so
        # one cheap query tells whether to read the rulebook again. This thread alone uses
        # self.rules, so swapping it between batches needs no lock.
        now = time.monotonic()
        if now < self._next_rules_check:
            return
        self._next_rules_check = now + self.rules_check_s
        try:
            with new_session(self.engine) as session:
                fresh = self.rules.refreshed(session)
        except Exception as exc:  # the writer keeps the rules it has and tries again later
            log.warning("ingest: rulebook not reloaded (%s)", str(exc)[:200])
            return
        if fresh is not None:
            self.rules = fresh
            m.RULEBOOK_RELOADS.inc()
            log.info(
                "ingest: bảng quy định đã nạp lại / rulebook reloaded (%d tables)",
                fresh.marker[0] if fresh.marker else 0,
            )
