"""Reference tables shipped as CSV in metrology_svc/data (operators may replace them)."""

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from metrology_svc.verifications.rules import MpeBand

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class TypeRow:
    """One row of instrument_types.csv: a type with one of its versioned cycles."""

    code: str
    name_vi: str
    name_en: str
    category: str
    default_accuracy_class: str | None
    cycle_months: int
    effective_from: date
    status: str
    source: str


def read_instrument_types(path: Path | None = None) -> list[TypeRow]:
    """Read the instrument types and their cycles from the CSV file."""
    with (path or DATA_DIR / "instrument_types.csv").open(encoding="utf-8", newline="") as fh:
        return [
            TypeRow(
                code=r["code"].strip(),
                name_vi=r["name_vi"].strip(),
                name_en=r["name_en"].strip(),
                category=r["category"].strip(),
                default_accuracy_class=r["default_accuracy_class"].strip() or None,
                cycle_months=int(r["cycle_months"]),
                effective_from=date.fromisoformat(r["effective_from"].strip()),
                status=r["status"].strip(),
                source=r["source"].strip(),
            )
            for r in csv.DictReader(fh)
        ]


@lru_cache
def r76_bands(path: Path | None = None) -> tuple[MpeBand, ...]:
    """Read the OIML R 76 MPE bands (verification MPE in units of e)."""
    with (path or DATA_DIR / "r76_mpe_bands.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            MpeBand(
                accuracy_class=r["accuracy_class"].strip(),
                load_from_e=Decimal(r["load_from_e"]),
                load_to_e=Decimal(r["load_to_e"]) if r["load_to_e"].strip() else None,
                mpe_e=Decimal(r["mpe_initial_e"]),
            )
            for r in csv.DictReader(fh)
        )
