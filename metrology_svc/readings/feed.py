"""A market's live feed (server-sent events) that a client resumes after a disconnection.

Consumer checks and inspection requests come from two id sequences, so the feed's position is
the pair, written "c{check id}.r{request id}" and sent as the id of every event. A browser's
EventSource sends the last one back as Last-Event-ID when it reconnects (also when the server
ends a stream at max_seconds); the stream then replays exactly what the client missed, oldest
first, up to FEED_REPLAY_MAX events. When more was missed it says so in a `gap` event (how
many, between which positions, what to reload) and replays the newest of them. Any other
Last-Event-ID, however malformed or hostile, is ignored: the stream starts afresh.
"""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from metrology_svc.readings.feed_repository import FeedRepository
from metrology_svc.readings.judgement import checks_public
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.readings.schemas import CheckPublic, InspectionRequestPublic

FEED_BACKLOG = 20  # of each kind, shown on a fresh start
FEED_BATCH = 200  # rows of each kind per poll
FEED_REPLAY_MAX = 500  # events replayed after a reconnect; beyond: a gap event
# Two ids of at most 18 digits (below 2**63); [0-9], not \d, which accepts other scripts' digits.
_POSITION = re.compile(r"c([0-9]{1,18})\.r([0-9]{1,18})")
_POSITION_MAX_LEN = 40


class Cursor(NamedTuple):
    """The feed's position: the last consumer check and inspection request sent (0: none)."""

    checks: int
    requests: int

    def __str__(self) -> str:
        return f"c{self.checks}.r{self.requests}"


def parse_cursor(value: str | None) -> Cursor | None:
    """Return the position a Last-Event-ID names, or None when it names none."""
    if not value or len(value) > _POSITION_MAX_LEN:
        return None
    found = _POSITION.fullmatch(value)
    return None if found is None else Cursor(int(found[1]), int(found[2]))


@dataclass(frozen=True, slots=True)
class Gap:
    """What a reconnecting client missed beyond the replay bound, and was not sent."""

    since: Cursor  # the client's last position
    resume: Cursor  # where the replay starts
    checks: int
    requests: int

    def payload(self, reload: Sequence[str]) -> dict[str, object]:
        """Return the gap event's data: counts, positions, what to reload, and a message."""
        n = self.checks + self.requests
        return {
            "skipped": n,
            "skipped_checks": self.checks,
            "skipped_requests": self.requests,
            "from": str(self.since),  # what was skipped lies after this position
            "resume_from": str(self.resume),  # and up to this one
            "reload": list(reload),
            "message_vi": (
                f"Mất kết nối quá lâu: {n} sự kiện cũ hơn ({self.checks} lần cân lại,"
                f" {self.requests} đề nghị kiểm tra) không được gửi lại, chỉ những sự kiện mới"
                " nhất. Tải lại trang để xem đầy đủ."
            ),
            "message": (
                f"Disconnected too long: {n} older events ({self.checks} consumer checks,"
                f" {self.requests} inspection requests) were not sent again, only the newest."
                " Reload the page to see them all."
            ),
        }


def _before_last(session: Session, site_id: int, *, checks: int, requests: int) -> Cursor:
    repo = ReadingRepository(session)
    return Cursor(repo.last_check_id(site_id, checks), repo.last_request_id(site_id, requests))


def start(session: Session, site_id: int, last_event_id: str | None) -> tuple[Cursor, Gap | None]:
    """Return where a stream starts, and the gap if the client missed more than the bound.

    A position the site has not reached yet is not one this feed sent: a fresh start, like
    no position at all, shows the newest FEED_BACKLOG of each kind.
    """
    feed = FeedRepository(session)
    newest = Cursor(*feed.newest(site_id))
    asked = parse_cursor(last_event_id)
    if asked is None or asked.checks > newest.checks or asked.requests > newest.requests:
        return _before_last(session, site_id, checks=FEED_BACKLOG, requests=FEED_BACKLOG), None
    missed_checks, missed_requests = feed.count_between(site_id, after=asked)
    if missed_checks + missed_requests <= FEED_REPLAY_MAX:
        return asked, None
    # Requests are rare and each one is an alert: they are replayed first, checks fill the rest.
    keep = min(missed_requests, FEED_REPLAY_MAX)
    newest_kept = _before_last(session, site_id, checks=FEED_REPLAY_MAX - keep, requests=keep)
    resume = Cursor(
        max(newest_kept.checks, asked.checks), max(newest_kept.requests, asked.requests)
    )
    skipped = feed.count_between(site_id, after=asked, upto=resume)
    return resume, Gap(asked, resume, *skipped)


def _start(
    factory: Callable[[], Session], site_id: int, last_event_id: str | None
) -> tuple[Cursor, Gap | None]:
    with factory() as session:
        return start(session, site_id, last_event_id)


def _poll(
    factory: Callable[[], Session], site_id: int, after: Cursor
) -> tuple[list[CheckPublic], list[InspectionRequestPublic]]:
    with factory() as session:
        repo = ReadingRepository(session)
        checks = checks_public(session, repo.checks_after(site_id, after.checks, FEED_BATCH))
        found = repo.requests(
            site_ids=[site_id], status=None, after_id=after.requests, limit=FEED_BATCH
        )
        reqs = [InspectionRequestPublic.model_validate(r, from_attributes=True) for r in found]
    return checks, reqs


def _event(kind: str, position: Cursor, data: str) -> str:
    return f"event: {kind}\nid: {position}\ndata: {data}\n\n"


def _instant(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _merged(
    checks: list[CheckPublic], reqs: list[InspectionRequestPublic], cursor: Cursor
) -> Iterator[tuple[str, Cursor, str]]:
    """Yield (kind, position after it, data) of one poll, both kinds by the service's clock.

    A two-pointer merge, each kind kept in id order: what follows any position is the merge of
    what follows it in each kind, so a stream resumed from an event's id goes on in the same
    order. A kind that filled its batch may have more before the other's next item: stop there
    and let the next poll go on.
    """
    i = j = 0
    while i < len(checks) or j < len(reqs):
        if (i == len(checks) == FEED_BATCH) or (j == len(reqs) == FEED_BATCH):
            return
        if j == len(reqs) or (
            i < len(checks) and _instant(checks[i].received_at) <= _instant(reqs[j].created_at)
        ):
            cursor = Cursor(checks[i].id, cursor.requests)
            yield "check", cursor, checks[i].model_dump_json()
            i += 1
        else:
            cursor = Cursor(cursor.checks, reqs[j].id)
            yield "inspection_request", cursor, reqs[j].model_dump_json()
            j += 1


async def stream(
    request: Request,
    site_id: int,
    *,
    last_event_id: str | None,
    reload: Sequence[str],
    max_seconds: float,
    poll_s: float,
) -> AsyncIterator[str]:
    """Yield the feed's server-sent events from the client's position until max_seconds."""
    factory = request.app.state.session_factory
    cursor, gap = await run_in_threadpool(_start, factory, site_id, last_event_id)
    deadline = time.monotonic() + max_seconds
    yield ": cân đối chứng / control-scale feed\n\n"
    # An id with no data moves the client's position without an event: a client that hears
    # nothing before the stream ends still resumes here, not with a fresh backlog.
    yield f"id: {cursor}\n\n"
    if gap is not None:
        yield _event("gap", gap.resume, json.dumps(gap.payload(reload), ensure_ascii=False))
    while True:
        checks, reqs = await run_in_threadpool(_poll, factory, site_id, cursor)
        for kind, position, data in _merged(checks, reqs, cursor):
            cursor = position
            yield _event(kind, position, data)
        if await request.is_disconnected():
            return
        # A full batch means more is waiting (a replay): fetch it now, and end the stream
        # only once caught up, so a replay is never cut short. Consumer checks are weighed
        # by hand, far fewer than a batch a second, so a live stream is always caught up.
        if len(checks) < FEED_BATCH and len(reqs) < FEED_BATCH:
            if time.monotonic() >= deadline:
                return
            await asyncio.sleep(poll_s)
