"""The notice dispatcher: claim due attempts, send them in a bounded pool, record the outcomes.

Exactly once needs a claim, not a lock: an attempt is claimed (claimant, lease) in its own
short transaction, committed before anything is sent; its outcome is written afterwards, only
while the claim is still ours. A dispatcher that dies leaves a lease that expires, and the
attempt is claimed again (carrying the same Message-ID / Idempotency-Key). This module owns
its units of work, like a job: the claim, the rendering and each batch of outcomes.

Sending runs in a thread pool with at most `notice_per_host` attempts at once per server, so
a hanging mail server holds a few threads and only its own messages; once one of its attempts
fails to connect, the rest of its queue in this round fails fast and is retried later.
"""

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session

from metrology_svc.notices.channels.send import Connections, send, send_host
from metrology_svc.notices.models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticePreference,
)
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.rules import delivery_key
from metrology_svc.notices.secrets import webhook_secret_of
from metrology_svc.notices.service import (
    Rendered,
    failure_text,
    record_attempt,
    record_sent,
    render,
)
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SessionFactory = Callable[[], Session]
# A failure that says the server itself is unreachable (not that it refused this message).
UNREACHABLE = (OSError, httpx.TransportError)
RELEASED, LOST = "released", "lost_claim"


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed attempt, rendered, ready for a pool thread."""

    delivery: NoticeDelivery
    message: Rendered | None
    error: str | None  # rendering failed: recorded as a failed attempt, nothing sent
    secret: str
    host: str
    deadline: float  # time.monotonic() after which the lease is too short to start a send


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to; `attempted_at` is None when it was not tried (given back)."""

    delivery: NoticeDelivery
    error: str | None
    attempted_at: datetime | None
    fatal: BaseException | None = None


def claimant_name() -> str:
    """Return a name for this dispatcher, unique across processes and runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Lanes:
    """Per-host queues feeding one pool: at most `per_host` attempts at once to a host."""

    def __init__(
        self, pool: ThreadPoolExecutor, per_host: int, run: Callable[[Job], Outcome]
    ) -> None:
        self.pool, self.per_host, self.run = pool, per_host, run
        self.lock = threading.Lock()
        self.waiting: dict[str, deque[Job]] = {}
        self.running: Counter[str] = Counter()
        self.done: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def submit(self, job: Job) -> None:
        """Start a job now, or queue it behind its host's running ones."""
        with self.lock:
            if self.running[job.host] >= self.per_host:
                self.waiting.setdefault(job.host, deque()).append(job)
                return
            self.running[job.host] += 1
        self._start(job)

    def _start(self, job: Job) -> None:
        future = self.pool.submit(self.run, job)
        future.add_done_callback(lambda f: self._finished(job, f))

    def _finished(self, job: Job, future: Future[Outcome]) -> None:
        exc = future.exception()
        # run() catches every Exception: what is left (SystemExit, KeyboardInterrupt) stops
        # the dispatcher as it would a process, its claims left to expire.
        outcome = future.result() if exc is None else Outcome(job.delivery, None, None, exc)
        self.done.put(outcome)
        with self.lock:
            lane = self.waiting.get(job.host)
            following = lane.popleft() if lane else None
            if following is None:
                self.running[job.host] -= 1
        if following is not None:
            self._start(following)


class Dispatcher:
    """Sends every due attempt once, across any number of dispatchers on one outbox."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        settings: Settings,
        clock: Clock,
        claimant: str | None = None,
        batch: int | None = None,
    ) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.claimant = claimant or claimant_name()
        self.batch = batch or settings.notice_claim_batch
        self.counts: Counter[str] = Counter()
        self._down: set[str] = set()  # hosts that did not answer in this round
        self._down_lock = threading.Lock()
        self._connections: Connections | None = None  # kept open for one run()

    def run(self) -> dict[str, int]:
        """Claim, send and record until nothing due is left; return counts by outcome."""
        workers = self.settings.notice_dispatch_workers
        self._connections = Connections(self.settings)
        try:
            with ThreadPoolExecutor(workers, thread_name_prefix="notice-send") as pool:
                self._run(pool)
        finally:
            self._connections.close()
        return dict(self.counts)

    def _run(self, pool: ThreadPoolExecutor) -> None:
        lanes = _Lanes(pool, self.settings.notice_per_host, self._attempt)
        outstanding, exhausted = 0, False
        while True:
            # Claim more while the pool has room: a slow host never holds the next batch.
            if not exhausted and outstanding < self.batch:
                jobs = self._claim()
                exhausted = len(jobs) < self.batch
                outstanding += len(jobs)
                for job in jobs:
                    lanes.submit(job)
            if outstanding == 0:
                break
            outcomes = _drain(lanes.done, limit=self.batch)
            for outcome in outcomes:
                if outcome.fatal is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise outcome.fatal
            self._record(outcomes)
            outstanding -= len(outcomes)

    def _claim(self) -> list[Job]:
        with self.sessions() as session:
            now = self.clock()
            lease = self.settings.notice_claim_lease_seconds
            claimed = NoticeRepository(session).claim_deliveries(
                now=now,
                claimant=self.claimant,
                lease_until=now + timedelta(seconds=lease),
                limit=self.batch,
            )
            session.commit()
        # Never start a send the lease may not outlast (one timeout and a margin).
        deadline = time.monotonic() + lease - 2 * self.settings.channel_timeout_s - 5
        return self._prepare(claimed, deadline) if claimed else []

    def _prepare(self, claimed: list[NoticeDelivery], deadline: float) -> list[Job]:
        """Render each claimed attempt's notice once (the pool threads never use the DB)."""
        rendered: dict[int, tuple[Rendered | None, str | None, str]] = {}
        jobs: list[Job] = []
        # Only notices with a letter attempt in the batch need their letter built.
        by_letter = {d.notice_id for d in claimed if d.channel is Channel.LETTER}
        units: dict[int, AdminUnit | None] = {}  # the batch's few units, read once
        with self.sessions() as session:
            repo = NoticeRepository(session)
            # Two queries for the batch, not two per notice.
            notices = repo.notices(sorted({d.notice_id for d in claimed}))
            prefs = repo.preferences(sorted({n.owner_id for n in notices.values()}))
            for delivery in claimed:
                if delivery.notice_id not in rendered:
                    notice = notices.get(delivery.notice_id)
                    letter = delivery.notice_id in by_letter
                    rendered[delivery.notice_id] = self._render(
                        session, notice, prefs, letter=letter, units=units
                    )
                message, error, secret = rendered[delivery.notice_id]
                host = send_host(delivery.channel, delivery.destination, self.settings)
                jobs.append(Job(delivery, message, error, secret, host, deadline))
            # Keeps only the register numbers letters took while rendering (documents).
            session.commit()
        return jobs

    def _render(
        self,
        session: Session,
        notice: Notice | None,
        prefs: dict[int, NoticePreference],
        *,
        letter: bool,
        units: dict[int, AdminUnit | None],
    ) -> tuple[Rendered | None, str | None, str]:
        if notice is None:
            return None, "the notice does not exist", ""
        try:
            # A secret no configured key opens fails this notice alone, with its reason.
            secret = webhook_secret_of(prefs.get(notice.owner_id), self.settings)
            rendered = render(session, notice, settings=self.settings, letter=letter, units=units)
            return rendered, None, secret
        except Exception as exc:  # a notice that cannot be rendered fails alone, and is retried
            log.exception("notice %s could not be rendered", notice.id)
            return None, failure_text(exc), ""

    def _attempt(self, job: Job) -> Outcome:
        """Send one attempt in a pool thread; never raise."""
        delivery = job.delivery
        if time.monotonic() > job.deadline:
            return Outcome(delivery, None, None)  # the lease ran short: give it back
        attempted_at = self.clock()  # read per attempt: retries wait from their own time
        if job.error is not None or job.message is None:
            return Outcome(delivery, job.error or "not rendered", attempted_at)
        with self._down_lock:
            down = job.host in self._down
        if down:
            return Outcome(delivery, f"{job.host} did not answer an earlier attempt", attempted_at)
        key = delivery_key(
            notice_id=delivery.notice_id,
            channel=delivery.channel.value,
            destination=delivery.destination,
        )
        try:
            send(
                delivery.channel,
                delivery.destination,
                job.message,
                settings=self.settings,
                secret=job.secret,
                key=key,
                connections=self._connections,
            )
        except UNREACHABLE as exc:
            with self._down_lock:
                self._down.add(job.host)
            return Outcome(delivery, failure_text(exc), attempted_at)
        except Exception as exc:  # any channel failure is recorded, never raised
            return Outcome(delivery, failure_text(exc), attempted_at)
        return Outcome(delivery, None, attempted_at)

    def _record(self, outcomes: list[Outcome]) -> None:
        """Write a batch of outcomes in one transaction (each only if still ours)."""
        released: list[int] = []
        sent: list[tuple[NoticeDelivery, datetime]] = []
        with self.sessions() as session:
            for outcome in outcomes:
                if outcome.attempted_at is None:
                    released.append(outcome.delivery.id or 0)
                elif outcome.error is None:
                    sent.append((outcome.delivery, outcome.attempted_at))
                else:
                    status = record_attempt(
                        session,
                        outcome.delivery,
                        claimant=self.claimant,
                        error=outcome.error,
                        attempted_at=outcome.attempted_at,
                        settings=self.settings,
                    )
                    self.counts[status.value if status else LOST] += 1
            kept = record_sent(session, sent, claimant=self.claimant)
            if kept:
                self.counts[DeliveryStatus.SENT.value] += kept
            if len(sent) - kept:
                self.counts[LOST] += len(sent) - kept
            if released:
                NoticeRepository(session).release_claims(
                    delivery_ids=released, claimant=self.claimant
                )
                self.counts[RELEASED] += len(released)
            session.commit()
        if self.counts[LOST]:
            log.warning("notice dispatch: %d claims lost before their outcome", self.counts[LOST])


def _drain(
    done: queue.SimpleQueue[Outcome], *, limit: int, linger_s: float = 0.05
) -> list[Outcome]:
    """Wait for one outcome, then gather more for a moment (up to `limit`).

    Each batch is one transaction: gathering for 50 ms saves a commit per outcome.
    """
    outcomes = [done.get()]
    until = time.monotonic() + linger_s
    while len(outcomes) < limit:
        left = until - time.monotonic()
        try:
            outcomes.append(done.get(timeout=left) if left > 0 else done.get_nowait())
        except queue.Empty:
            break
    return outcomes


def dispatch(
    *,
    sessions: SessionFactory,
    settings: Settings,
    clock: Clock,
    claimant: str | None = None,
    batch: int | None = None,
) -> dict[str, int]:
    """Send every due delivery attempt once; return counts by outcome."""
    dispatcher = Dispatcher(
        sessions=sessions, settings=settings, clock=clock, claimant=claimant, batch=batch
    )
    return dispatcher.run()
