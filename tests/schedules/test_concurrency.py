"""Two schedulers on PostgreSQL: scans running at the same moment create each notice once."""

import threading
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from metrology_svc.db import new_session
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.notices.models import Notice, NoticeDelivery
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings
from schedules.jobs import due_scan_job
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)


def test_two_schedulers_create_one_notice_per_key(
    committed_pg: tuple[Engine, World], settings: Settings
) -> None:
    engine, world = committed_pg
    with new_session(engine) as session:
        for i in range(40):
            # Half overdue (recall), half due in 7 days or less (reminder).
            due = DUE - timedelta(days=2) if i % 2 else DUE + timedelta(days=i % 7)
            add_instrument(session, world, serial=f"P-{i}", due_date=due)
        session.commit()
    clocks = [FakeClock(DUE), FakeClock(DUE, hour=2)]  # two replicas, two slightly different clocks
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica(clock: FakeClock) -> None:
        try:
            start.wait()
            due_scan_job(sessions=lambda: new_session(engine), settings=settings, clock=clock)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(c,)) for c in clocks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with Session(engine) as session:
        keys = [
            (n.instrument_id, n.due_date, n.kind, n.offset_days)
            for n in session.exec(select(Notice))
        ]
        deliveries = session.exec(select(func.count()).select_from(NoticeDelivery)).one()
        per_notice = session.exec(
            select(col(NoticeDelivery.notice_id), func.count()).group_by(
                col(NoticeDelivery.notice_id)
            )
        ).all()
    assert len(keys) == 40
    assert len(set(keys)) == 40
    assert deliveries == 40
    assert {n for _, n in per_notice} == {1}


def test_the_unique_key_alone_stops_a_second_insert(
    committed_pg: tuple[Engine, World], settings: Settings
) -> None:
    # Without the scan lock: two transactions insert the same recalls; the second waits for
    # the first, then skips every key it committed.
    engine, world = committed_pg
    with new_session(engine) as session:
        for i in range(10):
            add_instrument(session, world, serial=f"K-{i}", due_date=DUE - timedelta(days=1))
        session.commit()
    now = FakeClock(DUE)()
    with new_session(engine) as first, new_session(engine) as second:
        InstrumentRepository(first).refresh_statuses(today=DUE, due_soon_days=30)
        first.commit()
        created = [NoticeRepository(first).insert_recalls(now=now)]

        def insert_second() -> None:
            created.append(NoticeRepository(second).insert_recalls(now=now))
            second.commit()

        thread = threading.Thread(target=insert_second)
        thread.start()
        first.commit()
        thread.join(timeout=30)
    assert created == [10, 0]
