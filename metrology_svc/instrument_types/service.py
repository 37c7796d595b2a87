"""Load instrument types and their versioned cycles from the shipped data file."""

from pathlib import Path

from sqlmodel import Session

from metrology_svc.instrument_types.models import InstrumentType, TypeCategory, TypeCycle
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instrument_types.schemas import CyclePublic, InstrumentTypePublic
from metrology_svc.reference_data import read_instrument_types


def sync_types(session: Session, *, path: Path | None = None) -> int:
    """Insert or update types and cycles from the CSV; return rows changed. The caller commits."""
    repo = TypeRepository(session)
    changed = 0
    for row in read_instrument_types(path):
        kind = repo.get(row.code)
        fresh = InstrumentType(
            code=row.code,
            name_vi=row.name_vi,
            name_en=row.name_en,
            category=TypeCategory(row.category),
            default_accuracy_class=row.default_accuracy_class,
        )
        values = fresh.model_dump(exclude={"code"})
        if kind is None:
            repo.add(fresh)
            session.flush()
            changed += 1
        elif any(getattr(kind, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(kind, k, v)
            changed += 1
        known = {c.effective_from: c for c in repo.cycles(row.code)}
        cycle = known.get(row.effective_from)
        if cycle is None:
            repo.add(
                TypeCycle(
                    type_code=row.code,
                    cycle_months=row.cycle_months,
                    effective_from=row.effective_from,
                    status=row.status,
                    source=row.source,
                )
            )
            changed += 1
        elif (cycle.cycle_months, cycle.status, cycle.source) != (
            row.cycle_months,
            row.status,
            row.source,
        ):
            cycle.cycle_months, cycle.status, cycle.source = (
                row.cycle_months,
                row.status,
                row.source,
            )
            changed += 1
    session.flush()
    return changed


def to_public(session: Session, kind: InstrumentType) -> InstrumentTypePublic:
    """Return a type with its cycles."""
    cycles = [
        CyclePublic.model_validate(c, from_attributes=True)
        for c in TypeRepository(session).cycles(kind.code)
    ]
    return InstrumentTypePublic(
        code=kind.code,
        name_vi=kind.name_vi,
        name_en=kind.name_en,
        category=TypeCategory(kind.category),
        default_accuracy_class=kind.default_accuracy_class,
        cycles=cycles,
    )
