"""Register numbers: per issuing body, year and type, from 1, never shared between writers."""

import threading
import uuid

from sqlalchemy import Engine, delete
from sqlmodel import Session, col

from metrology_svc.documents.models import DocumentCounter, DocumentEntry
from metrology_svc.documents.service import next_number, number_for


def test_numbers_count_per_issuer_year_and_type(db: Session) -> None:
    def take(issuer: str, year: int, kind: str) -> int:
        return next_number(db, issuer_code=issuer, year=year, doc_type=kind)

    assert [take("Sở KH&CN Hà Tĩnh", 2026, "TB") for _ in range(3)] == [1, 2, 3]
    assert take("Sở KH&CN Hà Tĩnh", 2026, "BC") == 1
    assert take("Sở KH&CN Hà Tĩnh", 2027, "TB") == 1  # a new year starts again at 1
    assert take("UBND phường Sông Trí", 2026, "TB") == 1
    assert take("Sở KH&CN Hà Tĩnh", 2026, "TB") == 4


def test_a_document_keeps_its_number(db: Session) -> None:
    def number(ref: str) -> int:
        return number_for(db, ref=ref, issuer_code="Sở KH&CN Hà Tĩnh", year=2026, doc_type="TB")

    assert (number("notice:1"), number("notice:2")) == (1, 2)
    assert number("notice:1") == 1
    # A reprint took nothing.
    assert next_number(db, issuer_code="Sở KH&CN Hà Tĩnh", year=2026, doc_type="TB") == 3


def test_writers_at_once_never_share_a_number(engine: Engine) -> None:
    """Four threads, each its own connection and commits, take 25 numbers each: 1..100."""
    issuer = f"test-{uuid.uuid4().hex[:12]}"
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(25):
                with Session(engine) as session:
                    n = next_number(session, issuer_code=issuer, year=2026, doc_type="TB")
                    session.commit()
                with lock:
                    taken.append(n)
        except BaseException as exc:  # reported below, with the numbers
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert sorted(taken) == list(range(1, 101))
    finally:
        with Session(engine) as session:
            for table in (DocumentCounter, DocumentEntry):
                session.execute(delete(table).where(col(table.issuer_code) == issuer))
            session.commit()
