"""Load instrument types from the shipped types.csv; show each with its cycles from the rulebook."""

import csv
from pathlib import Path

from sqlmodel import Session

from metrology_svc.instrument_types.models import InstrumentType, TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instrument_types.schemas import CyclePublic, InstrumentTypePublic
from metrology_svc.rulebook.service import load_rulebook

TYPES_FILE = Path(__file__).parent / "types.csv"


def read_types(path: Path = TYPES_FILE) -> list[InstrumentType]:
    """Read the instrument types (code, names, category, default class) from the CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            InstrumentType(
                code=r["code"].strip(),
                name_vi=r["name_vi"].strip(),
                name_en=r["name_en"].strip(),
                category=TypeCategory(r["category"].strip()),
                default_accuracy_class=r["default_accuracy_class"].strip() or None,
            )
            for r in csv.DictReader(fh)
        ]


def sync_types(session: Session, *, path: Path = TYPES_FILE) -> int:
    """Insert or update the types from the CSV; return rows changed. The caller commits."""
    repo = TypeRepository(session)
    changed = 0
    for fresh in read_types(path):
        kind = repo.get(fresh.code)
        values = fresh.model_dump(exclude={"code"})
        if kind is None:
            repo.add(fresh)
            changed += 1
        elif any(getattr(kind, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(kind, k, v)
            changed += 1
    session.flush()
    return changed


def to_public(session: Session, kind: InstrumentType) -> InstrumentTypePublic:
    """Return a type with the cycle of each rulebook version that takes effect, oldest first."""
    cycles = [
        CyclePublic(
            cycle_months=ruled.value,
            effective_from=day,
            status=ruled.ref.status,
            source=ruled.ref.source,
            rule_id=ruled.ref.table_id,
            rule=ruled.ref.label,
        )
        for day, ruled in load_rulebook(session).cycle_history(kind.code)
    ]
    return InstrumentTypePublic(
        code=kind.code,
        name_vi=kind.name_vi,
        name_en=kind.name_en,
        category=TypeCategory(kind.category),
        default_accuracy_class=kind.default_accuracy_class,
        cycles=cycles,
    )
