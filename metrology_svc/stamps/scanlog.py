"""The scan log's write path: scans wait in memory and are written in batches.

A public check must not open a write transaction of its own (one worker, 1,000 checks a
second), so each scan is appended to a bounded in-memory buffer and a background task writes
the buffer in one transaction every `stamp_scan_flush_seconds`. A failed write puts the batch
back and is retried; scans are lost only when the buffer overflows (logged and counted) or the
process dies between two flushes (at most one interval of scans). Shutdown flushes what is left.
"""

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import anyio
from sqlmodel import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One scan as seen by the page or API, with what the flag rules need about its stamp."""

    at: datetime
    outcome: str
    channel: str
    stamp_id: int | None = None
    code: str | None = None
    user_agent: str = ""
    host: str = ""  # kept in memory only; the log stores its /24 or /48
    latitude: float | None = None
    longitude: float | None = None
    stamp_status: str | None = None
    site_latitude: float | None = None
    site_longitude: float | None = None
    staff: bool = False  # made with a live token of an inspector or administrator


Writer = Callable[[Session, list[ScanRecord]], None]


class ScanBuffer:
    """A bounded queue of scans and the means to write them."""

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        writer: Writer,
        max_size: int,
        batch_size: int = 1000,
    ) -> None:
        self.session_factory, self.writer = session_factory, writer
        self.max_size, self.batch_size = max_size, batch_size
        self._queue: deque[ScanRecord] = deque()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self.written = 0
        self.dropped = 0
        self.failures = 0

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, record: ScanRecord) -> None:
        """Queue a scan; when the buffer is full the oldest scan is dropped, logged and counted."""
        with self._lock:
            if len(self._queue) >= self.max_size:
                self._queue.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    log.warning("scan buffer full: %d scans dropped so far", self.dropped)
            self._queue.append(record)

    def _take(self) -> list[ScanRecord]:
        with self._lock:
            n = min(self.batch_size, len(self._queue))
            return [self._queue.popleft() for _ in range(n)]

    def _put_back(self, batch: list[ScanRecord]) -> None:
        with self._lock:
            self._queue.extendleft(reversed(batch))
            while len(self._queue) > self.max_size:
                self._queue.pop()
                self.dropped += 1

    def flush(self) -> int:
        """Write every queued scan in batches, one transaction each; return how many."""
        done = 0
        with self._flush_lock:
            while batch := self._take():
                try:
                    with self.session_factory() as session:
                        self.writer(session, batch)
                        session.commit()
                except Exception:
                    # Keep the scans for the next attempt rather than lose them.
                    self._put_back(batch)
                    self.failures += 1
                    log.exception("writing %d scans failed; kept for retry", len(batch))
                    return done
                done += len(batch)
                self.written += len(batch)
        return done


@contextlib.asynccontextmanager
async def flushing(buffer: ScanBuffer, *, every_s: float) -> AsyncIterator[None]:
    """Flush the buffer in the background while the block runs, and once more at its end."""
    task: asyncio.Task[None] | None = None
    if every_s > 0:

        async def loop() -> None:
            while True:
                await asyncio.sleep(every_s)
                if len(buffer):
                    await anyio.to_thread.run_sync(buffer.flush)

        task = asyncio.create_task(loop())
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await anyio.to_thread.run_sync(buffer.flush)
