"""Claimed dispatch: each message once across dispatchers, leases, fallback, a hanging host."""

import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from email import message_from_bytes
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.notices.models import Channel, DeliveryStatus, NoticeDelivery, NoticePreference
from metrology_svc.notices.rules import delivery_key
from metrology_svc.notices.service import record_sent
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from schedules.jobs import dispatch_job
from tests.factories import World, make_world
from tests.metrology_svc.notices.conftest import Hook, SmtpServer
from tests.schedules.support import FakeClock, add_instrument
from tests.services import private_postgres

DUE = date(2027, 3, 31)
Sessions = Callable[[], Session]
LOOPBACK = {"notice_webhook_allow_networks": ["127.0.0.1/32"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, World]]:
    """A migrated database whose commits are real (dispatchers on their own connections)."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'dispatch.db'}")
        prepare_database(engine)
        with new_session(engine) as session:
            world = make_world(session)
            session.commit()
        yield engine, world
        engine.dispose()
        return
    with private_postgres("d") as engine:
        prepare_database(engine)
        with new_session(engine) as session:
            world = make_world(session)
            session.commit()
        yield engine, world


def recalls(db: Session, world: World, settings: Settings, *, owners: dict[int, int]) -> FakeClock:
    """Register overdue scales (count per owner), run the scan that queues their recalls."""
    for owner_id, count in owners.items():
        for i in range(count):
            add_instrument(db, world, serial=f"R-{owner_id}-{i}", due_date=DUE, owner_id=owner_id)
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()
    return clock


def ledger(db: Session) -> list[NoticeDelivery]:
    db.expire_all()
    return list(db.exec(select(NoticeDelivery).order_by(col(NoticeDelivery.id))))


def message_ids(smtp: SmtpServer) -> list[str]:
    return [str(message_from_bytes(m[2])["Message-ID"]) for m in smtp.mailbox.messages]


def test_two_dispatchers_and_once_send_each_message_exactly_once(
    committed: tuple[Engine, World],
    settings: Settings,
    smtp: SmtpServer,
    webhook: Callable[[list[int]], Hook],
) -> None:
    engine, world = committed
    smtp.start()
    hook = webhook([200])
    settings = settings.model_copy(update={"smtp_port": smtp.port, **LOOPBACK})
    with new_session(engine) as db:
        db.add(
            NoticePreference(
                owner_id=world.owner_en,
                email="ops@example.com",
                webhook_url=hook.url,
                webhook_secret="s" * 20,
            )
        )
        db.commit()
        clock = recalls(db, world, settings, owners={world.owner_en: 30})
        queued = ledger(db)
    assert Counter(d.channel for d in queued) == {Channel.EMAIL: 30, Channel.WEBHOOK: 30}
    start = threading.Barrier(3)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            start.wait()
            sessions = lambda: new_session(engine)  # noqa: E731
            # Small batches: the three interleave their claims over the whole outbox.
            counts = dispatch_job(
                sessions=sessions, settings=settings, clock=clock, batch=4, claimant=name
            )
            results.append(counts)
        except BaseException as exc:
            errors.append(exc)

    names = ["leader", "replica", "scheduler --once"]
    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(r.get("sent", 0) for r in results) == 60
    ids = message_ids(smtp)
    assert len(ids) == 30
    assert len(set(ids)) == 30
    keys = [headers["idempotency-key"] for headers, _body in hook.requests]
    assert len(keys) == 30
    assert len(set(keys)) == 30
    with new_session(engine) as db:
        rows = ledger(db)
    assert {d.status for d in rows} == {DeliveryStatus.SENT}
    assert len(rows) == 60  # no retry queued: nothing failed, nothing was sent twice
    assert {d.claimed_by for d in rows} <= set(names)
    expected = {
        delivery_key(notice_id=d.notice_id, channel="webhook", destination=d.destination)
        for d in rows
        if d.channel is Channel.WEBHOOK
    }
    assert set(keys) == expected


def test_a_dead_claimants_lease_expires_and_the_delivery_is_retried(
    db: Session, world: World, settings: Settings, sessions: Sessions, smtp: SmtpServer
) -> None:
    smtp.start()
    settings = settings.model_copy(update={"smtp_port": smtp.port})
    clock = recalls(db, world, settings, owners={world.owner_en: 2})
    dead, alive = ledger(db)
    for delivery, lease in ((dead, -timedelta(minutes=1)), (alive, timedelta(minutes=4))):
        db.execute(
            update(NoticeDelivery)
            .where(col(NoticeDelivery.id) == delivery.id)
            .values(
                claimed_by="dead" if lease < timedelta(0) else "alive", lease_until=clock() + lease
            )
        )
    db.commit()
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    rows = ledger(db)
    assert [(d.status, d.claimed_by == "alive") for d in rows] == [
        (DeliveryStatus.SENT, False),  # the expired lease: taken over and sent
        (DeliveryStatus.PENDING, True),  # a live claim is left to its holder
    ]
    [(_sender, _to, content)] = smtp.mailbox.messages
    key = delivery_key(notice_id=dead.notice_id, channel="email", destination=dead.destination)
    assert message_from_bytes(content)["Message-ID"] == f"<{key}@tdc.example.vn>"
    # The live claim expires too, and then it is sent by whoever comes.
    clock.advance(minutes=5)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    assert len(smtp.mailbox.messages) == 2


def test_an_outcome_is_not_written_over_a_claim_taken_meanwhile(
    db: Session, world: World, settings: Settings, sessions: Sessions, smtp: SmtpServer
) -> None:
    smtp.start()
    settings = settings.model_copy(update={"smtp_port": smtp.port})
    clock = recalls(db, world, settings, owners={world.owner_en: 1})
    [delivery] = ledger(db)

    real_record = record_sent

    def steal_then_record(session: Session, sent: Any, **kwargs: Any) -> Any:
        # While "we" sent, our lease ran out and another dispatcher claimed the row.
        with sessions() as other:
            other.execute(
                update(NoticeDelivery)
                .where(col(NoticeDelivery.id) == delivery.id)
                .values(claimed_by="other", lease_until=clock() + timedelta(minutes=5))
            )
            other.commit()
        return real_record(session, sent, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("metrology_svc.notices.dispatch.record_sent", steal_then_record)
        assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"lost_claim": 1}
    assert len(smtp.mailbox.messages) == 1
    [row] = ledger(db)
    assert (row.status, row.claimed_by, row.attempted_at) == (DeliveryStatus.PENDING, "other", None)


def test_retries_spread_over_the_schedule_then_e_mail_falls_back_to_one_letter(
    db: Session, world: World, settings: Settings, sessions: Sessions
) -> None:
    schedule = [10, 600, 2880]
    settings = settings.model_copy(
        update={
            "smtp_port": _closed_port(),
            "channel_timeout_s": 1,
            "notice_retry_schedule_minutes": schedule,
        }
    )
    clock = recalls(db, world, settings, owners={world.owner_en: 1})
    for _ in range(len(schedule) + 2):  # the attempts, then the letter
        dispatch_job(sessions=sessions, settings=settings, clock=clock)
        clock.advance(days=3)
    rows = ledger(db)
    mails = [d for d in rows if d.channel is Channel.EMAIL]
    assert [d.status for d in mails] == [DeliveryStatus.FAILED] * 3 + [DeliveryStatus.GIVEN_UP]
    for wait, (a, b) in zip(schedule, pairwise(mails), strict=True):
        assert a.attempted_at is not None
        waited = b.next_attempt_at - a.attempted_at
        assert timedelta(minutes=wait * 0.8) <= waited <= timedelta(minutes=wait * 1.2)
    assert "fallback: letter" in (mails[-1].error or "")
    [letter] = [d for d in rows if d.channel is Channel.LETTER]
    assert letter.attempt == 1
    assert letter.status is DeliveryStatus.SENT  # sent on the dispatch after the fallback


def test_no_second_letter_when_the_notice_has_one(
    db: Session, world: World, settings: Settings, sessions: Sessions
) -> None:
    settings = settings.model_copy(
        update={
            "smtp_port": _closed_port(),
            "channel_timeout_s": 1,
            "notice_retry_schedule_minutes": [],
        }
    )
    db.add(NoticePreference(owner_id=world.owner_en, email="ops@example.com", letter=True))
    db.commit()
    clock = recalls(db, world, settings, owners={world.owner_en: 1})
    counts = dispatch_job(sessions=sessions, settings=settings, clock=clock)
    assert counts == {"given_up": 1, "sent": 1}
    rows = ledger(db)
    assert Counter(d.channel for d in rows) == {Channel.EMAIL: 1, Channel.LETTER: 1}
    [mail] = [d for d in rows if d.channel is Channel.EMAIL]
    assert "fallback" not in (mail.error or "")


def test_the_clock_is_read_per_attempt(
    db: Session, world: World, settings: Settings, sessions: Sessions, smtp: SmtpServer
) -> None:
    smtp.start()
    settings = settings.model_copy(update={"smtp_port": smtp.port})
    clock = recalls(db, world, settings, owners={world.owner_en: 3})
    base = clock()
    lock, ticks = threading.Lock(), [0]

    def ticking() -> datetime:
        with lock:
            ticks[0] += 1
            return base + timedelta(seconds=ticks[0])

    assert dispatch_job(sessions=sessions, settings=settings, clock=ticking) == {"sent": 3}
    stamps = [d.attempted_at for d in ledger(db)]
    assert None not in stamps
    assert len(set(stamps)) == 3  # one reading each, not one per batch


class HangingSmtp:
    """Accepts TCP connections and never answers; records when each client gives up."""

    def __init__(self, on_give_up: Callable[[], None]) -> None:
        self.on_give_up = on_give_up
        self.gave_up = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            thread = threading.Thread(target=self._hold, args=(conn,), daemon=True)
            thread.start()

    def _hold(self, conn: socket.socket) -> None:
        with conn:
            while conn.recv(1024):  # until the client closes (its timeout)
                pass
        if not self.gave_up.is_set():
            self.on_give_up()
            self.gave_up.set()

    def close(self) -> None:
        self.server.close()


def test_a_hanging_mail_server_delays_only_its_own_messages(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    smtp: SmtpServer,
    webhook: Callable[[list[int]], Hook],
) -> None:
    hook = webhook([200])
    events: list[str] = []
    hanging = HangingSmtp(
        lambda: events.append(f"hanging client gave up; webhooks {len(hook.requests)}")
    )
    smtp.start()
    settings = settings.model_copy(
        update={
            "smtp_port": smtp.port,
            "channel_timeout_s": 3,
            "notice_dispatch_workers": 4,
            "notice_per_host": 2,
            "notice_smtp_routes": {"slow.example.vn": f"127.0.0.1:{hanging.port}"},
            **LOOPBACK,
        }
    )
    prefs = [
        NoticePreference(owner_id=world.owner_vi, email="chu@slow.example.vn"),
        NoticePreference(
            owner_id=world.owner_en,
            email="ops@example.com",
            webhook_url=hook.url,
            webhook_secret="s" * 20,
        ),
    ]
    db.add_all(prefs)
    db.commit()
    # The hanging host's messages come first in the outbox.
    clock = recalls(db, world, settings, owners={world.owner_vi: 8, world.owner_en: 8})
    original = smtp.mailbox.handle_DATA

    async def noted(server: object, session: object, envelope: object) -> str:
        events.append("mail received")
        return await original(server, session, envelope)

    smtp.mailbox.handle_DATA = noted  # type: ignore[method-assign]
    try:
        counts = dispatch_job(sessions=sessions, settings=settings, clock=clock)
    finally:
        hanging.close()
    assert counts == {"sent": 16, "failed": 8}
    assert len(smtp.mailbox.messages) == 8
    assert len(hook.requests) == 8
    # Every other message was through before the first hanging attempt timed out, and the
    # hanging host never had more than its share of connections.
    assert hanging.gave_up.wait(30)
    first = next(i for i, e in enumerate(events) if e.startswith("hanging"))
    assert events[:first].count("mail received") == 8
    assert events[first] == "hanging client gave up; webhooks 8"
    assert hanging.accepted <= settings.notice_per_host
    failed = [d for d in ledger(db) if d.status is DeliveryStatus.FAILED]
    assert {d.destination for d in failed} == {"chu@slow.example.vn"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
