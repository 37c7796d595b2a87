"""Export → import of the demo province changes nothing: dates, statuses and numbers stay."""

import csv
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from metrology_svc.demo.loader import generate
from metrology_svc.imports.export import Format, Lang, export_instruments
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.verifications.models import Verification
from tests.factories import ADMIN

TODAY = date(2026, 3, 15)


def registry(db: Session) -> dict[str, Any]:
    instruments = [i.model_dump() for i in db.exec(select(Instrument).order_by(col(Instrument.id)))]
    verifications = db.exec(select(func.count()).select_from(Verification)).one()
    return {"instruments": instruments, "verifications": verifications}


FORMATS = [("csv", "vi"), ("csv", "en"), ("xlsx", "vi"), ("xlsx", "en")]


@pytest.mark.parametrize(("fmt", "lang"), FORMATS)
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


# What a clerk's spreadsheet would run if the export wrote them as they are.
PAYLOADS = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", '=HYPERLINK("http://x.example","y")']


def _plant(db: Session) -> None:
    """Put formula-like text where a registry keeps free text: models, owners, sites."""
    instruments = list(db.exec(select(Instrument).order_by(col(Instrument.id))).all())
    for inst, text in zip(instruments, [*PAYLOADS, "'=1", "''-2"], strict=False):
        inst.model = text
        db.add(inst)
    owners = list(db.exec(select(Owner).order_by(col(Owner.id))).all())
    for owner, text in zip(owners, PAYLOADS, strict=False):
        owner.name = f"{text} {owner.id}"  # owners are matched by name: keep them distinct
        db.add(owner)
    sites = list(db.exec(select(Site).order_by(col(Site.id))).all())
    for site, text in zip(sites, PAYLOADS, strict=False):
        site.name = f"{text} {site.id}"
        db.add(site)
    db.flush()


def _cells(path: Path, fmt: Format) -> list[str]:
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [c for row in csv.reader(handle) for c in row]
    rows = load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)
    return [c for row in rows for c in row if isinstance(c, str)]


@pytest.mark.parametrize(("fmt", "lang"), FORMATS)
def test_formula_text_is_exported_as_text_and_imported_back_unchanged(
    db: Session, tmp_path: Path, fmt: Format, lang: Lang
) -> None:
    generate(db, settings=Settings(), today=TODAY, seed=7, instruments=40)
    db.flush()
    _plant(db)
    before = registry(db)
    path = tmp_path / f"demo.{fmt}"
    count = export_instruments(db, InstrumentFilter(), path, fmt=fmt, lang=lang)
    cells = _cells(path, fmt)
    if fmt == "csv":
        # Every cell a spreadsheet would run carries the quote (OWASP); none starts bare.
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert {"'=cmd|' /C calc'!A0", "'@SUM(1)", "'+1", "'-1", "''=1", "'''-2"} <= set(cells)
    else:
        with zipfile.ZipFile(path) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
            assert not [n for n in sheets if b"<f>" in z.read(n) or b"<f " in z.read(n)]
        assert {"=cmd|' /C calc'!A0", "@SUM(1)", "'=1"} <= set(cells)  # the text, as stored
    report = import_file(db, ADMIN, path, today=TODAY)
    db.flush()
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)
    db.expire_all()
    assert registry(db) == before
    names = {o.name for o in db.exec(select(Owner)).all()}
    assert any(n.startswith("=cmd|") for n in names)
