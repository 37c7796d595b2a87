"""The ingest's batch writer: the only thread that touches the database, and the one that acks.

paho's network thread only parses and enqueues. This thread gathers a batch (by size or time),
stages it, commits, and only then hands the batch back for acknowledgement: a message is never
acknowledged before what it carries is durable.

Nothing a message carries may stop this thread. A batch the database refuses is stored one
message at a time, and a message refused alone is set aside as a dead letter with the reason;
an unreachable database is waited out with backoff (nothing is acknowledged meanwhile); any
other failure is logged, counted and retried. Should the thread stop all the same (a bug, an
exception that is not an Exception), a supervisor starts a new one, which takes up the batch
the old one held: each message stored alone, and the message whose storing stopped the thread
set aside as `writer_crash`. `status()` says whether the thread runs and whether it moves.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from devices import ingest_metrics as m
from devices.store import BatchOutcome, Incoming, dead_letter, store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.db import new_session
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.repository import ReadingRepository

log = logging.getLogger(__name__)
RULES_CHECK_S: Final = 60.0  # how often the writer looks for a rule table loaded since it read them
STALL_S: Final = 60.0  # messages waiting this long with no commit: the writer is stuck
RETRY_MAX_S: Final = 30.0  # the longest wait between two attempts at a batch
RESTART_MAX_S: Final = 30.0  # the longest wait before starting a stopped thread again


class Delivery(NamedTuple):
    """A received message with what is needed to acknowledge it on its own connection."""

    item: Incoming
    mid: int
    qos: int
    generation: int


Acker = Callable[[list[Delivery]], None]


class WriterStatus(NamedTuple):
    """What readiness checks and operators need to know about the writer."""

    alive: bool  # the thread runs
    waiting: int  # messages received and not yet committed (queued, and the batch in hand)
    last_commit_age_s: float | None  # seconds since the last commit; None: none yet
    stalled: bool  # messages wait and nothing was committed for `stall_s`


@dataclass
class _Batch:
    """One batch from its collection to its acknowledgement.

    It lives on the writer, not in the thread's frame, so that a thread started after one that
    stopped finds it: nothing taken from the queue is dropped unacknowledged and unstored.
    """

    deliveries: list[Delivery]
    alone: bool = False  # store each message in its own transaction
    done: int = 0  # messages stored alone (each committed) so far
    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    storing: int | None = None  # the message being stored alone right now
    poison: dict[int, str] = field(default_factory=dict)  # stopped the thread: set aside, why
    acking: bool = False  # committed; acknowledgement begun (never done twice)


def _text(value: object, limit: int = 200) -> str:
    """Return text any database stores: no lone surrogate (escaped), no NUL, bounded."""
    text = str(value)[:limit]
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _add(total: BatchOutcome, part: BatchOutcome) -> None:
    total.stored += part.stored
    total.duplicates += part.duplicates
    total.rejected += part.rejected
    for reason, count in part.reasons.items():
        total.reasons[reason] += count
    total.requests += part.requests


class BatchWriter:
    """Commit deliveries in batches, then acknowledge them; a supervisor keeps it running."""

    def __init__(
        self,
        *,
        engine: Engine,
        rules: IngestRules,
        ack: Acker,
        batch_size: int = 1000,
        batch_ms: int = 50,
        rules_check_s: float = RULES_CHECK_S,
        stall_s: float = STALL_S,
        restart_s: float = 1.0,
    ) -> None:
        self.engine, self.rules, self.ack = engine, rules, ack
        self.batch_size, self.batch_s = batch_size, batch_ms / 1000
        self.rules_check_s = rules_check_s
        self.stall_s, self.restart_s = stall_s, restart_s
        self.restarts = 0
        self.last_commit: float | None = None  # wall-clock time of the last commit
        self._queue: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._exited = threading.Event()  # set by the writer thread as it ends, however
        self._thread: threading.Thread | None = None
        self._supervisor: threading.Thread | None = None
        self._batch: _Batch | None = None
        self._stopped_by: BaseException | None = None
        self._progress = time.monotonic()  # last commit, or last time nothing waited
        self._started = time.monotonic()  # when the current thread started
        self._next_rules_check = time.monotonic() + rules_check_s

    def put(self, delivery: Delivery) -> None:
        """Enqueue a delivery (called from paho's thread; never blocks)."""
        self._queue.put(delivery)

    def start(self) -> None:
        """Start the writer thread and its supervisor."""
        self._stop.clear()
        self._spawn()
        self._supervisor = threading.Thread(
            target=self._supervise, name="ingest-writer-supervisor", daemon=True
        )
        self._supervisor.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit and acknowledge what is queued, then stop the thread (and its supervisor)."""
        self._stop.set()
        # The supervisor first: it ends once the writer thread has, and then starts no other.
        for thread in (self._supervisor, self._thread):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._supervisor = None

    def status(self) -> WriterStatus:
        """Say whether the thread runs, what waits, and how long since the last commit."""
        thread, batch = self._thread, self._batch
        waiting = self._queue.qsize() + (len(batch.deliveries) if batch else 0)
        last = self.last_commit
        stalled = waiting > 0 and time.monotonic() - self._progress > self.stall_s
        return WriterStatus(
            alive=thread is not None and thread.is_alive(),
            waiting=waiting,
            last_commit_age_s=None if last is None else max(0.0, time.time() - last),
            stalled=stalled,
        )

    # The thread and its supervisor.

    def _spawn(self) -> None:
        self._exited.clear()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._main, name="ingest-writer", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        m.WRITER_UP.set(1)
        try:
            self._run()
        except BaseException as exc:  # whatever it is, the supervisor starts the thread again
            self._stopped_by = exc
            log.exception("ingest: writer thread stopped (%s)", _text(repr(exc)))
        finally:
            m.WRITER_UP.set(0)
            self._exited.set()

    def _supervise(self) -> None:
        quick = 0  # restarts in a row of a thread that stopped within a minute
        while True:
            self._exited.wait()
            if self._stop.is_set():
                return
            if time.monotonic() - self._started > 60.0:
                quick = 0  # it ran a while: not one failure repeating at once
            delay = min(self.restart_s * 2**quick, RESTART_MAX_S)  # backs off while it repeats
            quick = min(quick + 1, 10)
            self.restarts += 1
            m.WRITER_RESTARTS.inc()
            self._take_up_batch()
            log.error("ingest: writer thread stopped; restarting it in %.1f s", delay)
            if self._stop.wait(delay):
                return
            self._spawn()

    def _take_up_batch(self) -> None:
        """Prepare the batch the stopped thread held for the next thread (run between the two)."""
        batch = self._batch
        if batch is None:
            return
        if batch.acking:  # committed, and its acknowledgement may have gone out in part
            # Acking again could PUBACK an id the broker has since given to another message;
            # whatever was not acked is redelivered after a reconnect and absorbed as duplicate.
            self._batch = None
            return
        batch.alone = True  # which message stopped it is learnt by storing each alone
        if batch.storing is not None:
            batch.poison[batch.storing] = f"writer_crash: {_text(repr(self._stopped_by))}"
            batch.storing = None

    def _run(self) -> None:
        while True:
            if self._batch is None:
                deliveries = self._collect()
                if not deliveries:
                    if self._stop.is_set():
                        return
                    self._progress = time.monotonic()  # nothing waits: not stalled
                    self._housekeeping()
                    continue
                self._batch = _Batch(deliveries)
                m.RECEIVED.inc(len(deliveries))  # counted here, not per message in paho's thread
                m.QUEUE.set(self._queue.qsize())
            if not self._settle(self._batch):
                return  # stopping while the database is down: the broker redelivers later
            self._batch = None
            self._housekeeping()

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
        return batch

    # One batch: commit, count, acknowledge.

    def _settle(self, batch: _Batch) -> bool:
        """Commit the batch, then acknowledge it; False when stopping before it committed."""
        outcome = self._commit(batch)
        if outcome is None:
            return False
        self.last_commit = time.time()
        self._progress = time.monotonic()
        m.LAST_COMMIT.set(self.last_commit)
        batch.acking = True
        self._guarded("count", lambda: self._count(outcome, batch.deliveries))
        # Should acking fail, the broker redelivers what was not acked, stored as duplicates.
        self._guarded("ack", lambda: self.ack(batch.deliveries))
        return True

    def _guarded(self, stage: str, task: Callable[[], object]) -> None:
        """Run a step whose failure must not stop the writer: log it, count it, go on."""
        try:
            task()
        except Exception as exc:
            m.WRITER_ERRORS.labels(stage=stage).inc()
            bug = not isinstance(exc, OperationalError)  # a database away needs no traceback
            log.warning("ingest: %s failed (%s); going on", stage, _text(exc), exc_info=bug)

    def _commit(self, batch: _Batch) -> BatchOutcome | None:
        delay = 0.5
        while True:
            try:
                return self._store_batch(batch)
            except OperationalError as exc:
                # The database is unreachable or locked (also half-way through storing one by
                # one): keep the batch, wait, retry; what was committed is not stored again.
                log.warning("ingest: database unavailable (%s); retrying", _text(exc))
            except Exception as exc:  # even a dead letter was refused: nothing to ack yet
                m.WRITER_ERRORS.labels(stage="store").inc()
                log.exception("ingest: batch not stored (%s); retrying", _text(exc))
            if self._stop.wait(delay):
                return None
            delay = min(delay * 2, RETRY_MAX_S)

    def _store_batch(self, batch: _Batch) -> BatchOutcome:
        if not batch.alone:
            try:
                batch.outcome = self._store([d.item for d in batch.deliveries])
                return batch.outcome
            except OperationalError:
                raise
            except Exception as exc:  # a row the database refuses, or anything unforeseen
                # Whatever one message does to the driver (an integrity error, text it cannot
                # encode), the writer goes on: each message is stored alone or set aside.
                m.WRITER_ERRORS.labels(stage="batch").inc()
                log.warning("ingest: batch refused (%s); storing one by one", _text(exc))
                batch.alone = True
        return self._one_by_one(batch)

    def _one_by_one(self, batch: _Batch) -> BatchOutcome:
        # Each message commits alone and `done` moves past it: a retry after the database
        # dropped, or a new thread after this one stopped, goes on from where this one was.
        for index in range(batch.done, len(batch.deliveries)):
            item = batch.deliveries[index].item
            batch.storing = index  # left set if the thread stops here: then it is the culprit
            crash = batch.poison.get(index)
            try:
                part = self._refused(item, crash) if crash else self._store_alone(item)
            except Exception:  # an error, not a stop: the retry takes this message again
                batch.storing = None
                raise
            batch.storing = None
            _add(batch.outcome, part)
            batch.done = index + 1
        return batch.outcome

    def _store_alone(self, item: Incoming) -> BatchOutcome:
        try:
            return self._store([item])
        except OperationalError:
            raise
        except Exception as exc:  # set aside with its reason, never lost
            return self._refused(item, f"database: {_text(exc)}")

    def _store(self, items: list[Incoming]) -> BatchOutcome:
        with new_session(self.engine) as session:
            outcome = store_batch(session, items, self.rules)
            session.commit()
        return outcome

    def _refused(self, item: Incoming, reason: str) -> BatchOutcome:
        row = dead_letter(item, reason=reason, max_bytes=self.rules.dead_letter_max_bytes)
        with new_session(self.engine) as session:
            ReadingRepository(session).add_dead_letters([row])
            session.commit()
        outcome = BatchOutcome(rejected=1)
        outcome.reasons[reason.split(":", 1)[0]] += 1
        return outcome

    def _count(self, outcome: BatchOutcome, batch: list[Delivery]) -> None:
        m.STORED.inc(outcome.stored)
        m.DUPLICATES.inc(outcome.duplicates)
        for reason, count in outcome.reasons.items():
            m.REJECTED.labels(reason=reason).inc(count)
        oldest = min(d.item.received_at for d in batch)
        m.LAG.set((utcnow() - oldest).total_seconds())

    # Between batches.

    def _housekeeping(self) -> None:
        """Pick up a new rulebook; a failure waits its turn.

        Marking silent devices offline is the scheduler's liveness job (schedules/liveness.py),
        which can tell a silent scale from a silent ingest; the writer does not sweep.
        """
        self._guarded("rules", self._maybe_reload_rules)

    def _maybe_reload_rules(self) -> None:
        # Rule tables are only ever added: their count and newest id change on every load, so
        # one cheap query tells whether to read the rulebook again. This thread alone uses
        # self.rules, so swapping it between batches needs no lock; on failure the writer keeps
        # the rules it has.
        now = time.monotonic()
        if now < self._next_rules_check:
            return
        self._next_rules_check = now + self.rules_check_s
        with new_session(self.engine) as session:
            fresh = self.rules.refreshed(session)
        if fresh is not None:
            self.rules = fresh
            m.RULEBOOK_RELOADS.inc()
            log.info(
                "ingest: bảng quy định đã nạp lại / rulebook reloaded (%d tables)",
                fresh.marker[0] if fresh.marker else 0,
            )
