"""A binding shortfall table loaded the way an office loads one, and the ingest rules it gives."""

from datetime import date

from sqlmodel import Session

from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.schemas import RuleTableCreate
from metrology_svc.rulebook.service import load_table
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.settings import Settings

BINDING_FROM = date(2026, 1, 1)
BINDING_SOURCE = "Bảng kiểm thử, không phải văn bản pháp luật / test table, not a legal text"
SETTINGS = Settings(dead_letter_max_bytes=64)


def r87_rows() -> list[dict[str, str | int | float | None]]:
    """Return the shipped R 87 rows (the numbers the tests' binding table repeats)."""
    shipped = shipped_rulebook().in_force("shortfall", BINDING_FROM)
    return [dict(row) for row in shipped.rows]


def binding_body(*, effective_from: date = BINDING_FROM) -> dict[str, object]:
    """Return the JSON of POST /api/v1/rules for a binding shortfall table."""
    return {
        "code": "shortfall",
        "effective_from": effective_from.isoformat(),
        "status": "unverified",
        "binding": True,
        "source": BINDING_SOURCE,
        "rows": r87_rows(),
    }


def load_binding(session: Session, *, effective_from: date = BINDING_FROM) -> RuleTable:
    """Load a binding shortfall table through the rulebook's load path; no commit."""
    data = RuleTableCreate.model_validate(binding_body(effective_from=effective_from))
    return load_table(session, actor="test", data=data)


def binding_rules(session: Session) -> IngestRules:
    """Load a binding shortfall table and return the ingest's rules as stored (it included)."""
    load_binding(session)
    session.flush()
    return IngestRules.from_database(session, SETTINGS)
