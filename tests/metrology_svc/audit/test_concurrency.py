"""Concurrent writers in separate sessions and threads still build one unbroken chain."""

import threading

from sqlalchemy import Engine
from sqlmodel import col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.service import audit, verify_chain
from metrology_svc.db import new_session

WRITERS, EACH = 2, 25


def test_two_writers_interleave_into_one_chain(committed_engine: Engine) -> None:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with new_session(committed_engine) as session:
                    audit(
                        session,
                        actor=f"writer {n}",
                        action="test.concurrent",
                        entity="instrument",
                        entity_id=i,
                        detail={"writer": n, "i": i},
                    )
                    session.commit()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with new_session(committed_engine) as session:
        rows = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))).all()
        report = verify_chain(session)
    assert [r.seq for r in rows] == list(range(1, WRITERS * EACH + 1))
    assert {r.actor for r in rows} == {f"writer {n}" for n in range(WRITERS)}
    assert (report.count, report.broken) == (WRITERS * EACH, None)
