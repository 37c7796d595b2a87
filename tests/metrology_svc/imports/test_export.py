"""Export → import of the demo province changes nothing: dates, statuses and numbers stay."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from metrology_svc.demo.loader import generate
from metrology_svc.imports.export import Format, Lang, export_instruments
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.settings import Settings
from metrology_svc.verifications.models import Verification
from tests.factories import ADMIN

TODAY = date(2026, 3, 15)


def registry(db: Session) -> dict[str, Any]:
    instruments = [i.model_dump() for i in db.exec(select(Instrument).order_by(col(Instrument.id)))]
    verifications = db.exec(select(func.count()).select_from(Verification)).one()
    return {"instruments": instruments, "verifications": verifications}


@pytest.mark.parametrize(("fmt", "lang"), [("csv", "vi"), ("csv", "en"), ("xlsx", "en")])
def test_the_demo_exported_then_imported_changes_nothing(
    db: Session, tmp_path: Path, fmt: Format, lang: Lang
) -> None:
    generate(db, settings=Settings(), today=TODAY, seed=42, instruments=80)
    db.flush()
    before = registry(db)
    statuses = {i["status"] for i in before["instruments"]}
    assert {"overdue", "failed", "in_service"} <= statuses  # the cases that matter are there
    path = tmp_path / f"demo.{fmt}"
    count = export_instruments(db, InstrumentFilter(), path, fmt=fmt, lang=lang)
    report = import_file(db, ADMIN, path, today=TODAY)
    db.flush()
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)
    assert report.verifications == 0
    # Only the column notice: every listed due date is the registry's own.
    assert [w.row for w in report.warnings] == [1]
    db.expire_all()
    assert registry(db) == before
