"""Queries on the document register: raise a counter, find and record the number of a document."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from metrology_svc.documents.models import DocumentCounter, DocumentEntry


class DocumentRepository:
    """Reads and writes the register's counters and entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def raise_counter(self, *, issuer_code: str, year: int, doc_type: str) -> int:
        """Add one to a counter (creating it at 1) in one statement; return its new value."""
        # One upsert with RETURNING: the row lock (PostgreSQL) or the writer lock (SQLite) is
        # taken by the same statement that reads the value, so two writers never share a number.
        table = DocumentCounter.__table__  # type: ignore[attr-defined]
        values = {"issuer_code": issuer_code, "year": year, "doc_type": doc_type, "last_number": 1}
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        upsert = insert(table).values(**values)
        stmt = upsert.on_conflict_do_update(
            index_elements=["issuer_code", "year", "doc_type"],
            set_={"last_number": table.c.last_number + 1},
        ).returning(table.c.last_number)
        return int(self.session.execute(stmt).scalar_one())

    def entry(self, *, ref: str, doc_type: str) -> DocumentEntry | None:
        """Return the number given to a document, if it has one."""
        return self.session.exec(
            select(DocumentEntry).where(
                DocumentEntry.ref == ref, DocumentEntry.doc_type == doc_type
            )
        ).first()

    def add(self, entry: DocumentEntry) -> DocumentEntry:
        """Stage an entry and flush it."""
        self.session.add(entry)
        self.session.flush()
        return entry
