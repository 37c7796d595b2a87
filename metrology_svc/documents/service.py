"""Document numbers from the register kept in the database (Decree 30/2020/NĐ-CP art. 15)."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from metrology_svc.documents.models import DocumentEntry
from metrology_svc.documents.repository import DocumentRepository


def next_number(session: Session, *, issuer_code: str, year: int, doc_type: str) -> int:
    """Take the next number of an issuing body's documents of a type in a year."""
    return DocumentRepository(session).raise_counter(
        issuer_code=issuer_code, year=year, doc_type=doc_type
    )


def number_for(session: Session, *, ref: str, issuer_code: str, year: int, doc_type: str) -> int:
    """Return the number a document was given, taking the next one on its first printing."""
    repo = DocumentRepository(session)
    found = repo.entry(ref=ref, doc_type=doc_type)
    if found is not None:
        return found.number
    try:
        # One savepoint for the counter and the entry: two first printings at once both raise
        # the counter; the loser's insert fails on the ref, its savepoint undoes both, and it
        # prints the winner's number. A failure here leaves the caller's transaction usable.
        with session.begin_nested():
            number = next_number(session, issuer_code=issuer_code, year=year, doc_type=doc_type)
            repo.add(
                DocumentEntry(
                    issuer_code=issuer_code, year=year, doc_type=doc_type, number=number, ref=ref
                )
            )
    except IntegrityError:
        found = repo.entry(ref=ref, doc_type=doc_type)
        if found is None:
            raise
        return found.number
    return number
