"""deploy/templates: the shortfall template an office fills with Circular 09/2017 Table 2.

Unfilled it is refused; filled (here with made-up numbers, for the test only) and loaded through
the real CLI with --binding, it judges the checks measured from its date, and a seller short
under it is flagged.
"""

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from devices.store import store_batch
from metrology_svc.bootstrap import prepare_database
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import Reading, Seller
from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.settings import get_settings
from tests.devices.ingest.support import T0, make_market
from tests.devices.test_store import _check, _msg
from tests.metrology_svc.readings.support import SETTINGS

TEMPLATES = Path(__file__).resolve().parents[2] / "deploy" / "templates"
TEMPLATE = TEMPLATES / "shortfall_09_2017_template.csv"
SOURCE = "Thông tư 09/2017/TT-BKHCN, Bảng 2 (vbpl.vn ItemID=122963)"
runner = CliRunner()


@pytest.fixture
def office_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the settings at a fresh data directory; yield the database file path."""
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "metrology.db"
    get_settings.cache_clear()


def _load(path: Path, *, effective_from: str) -> list[str]:
    return [
        "rules", "load", str(path), "--code", "shortfall", "--effective-from", effective_from,
        "--status", "unverified", "--binding", "--source", SOURCE,
    ]  # fmt: skip


def test_the_template_has_the_columns_of_the_shortfall_table_and_names_its_source() -> None:
    header = TEMPLATE.read_text(encoding="utf-8").splitlines()[0].split(",")
    spec = catalogue.SPECS["shortfall"]
    assert header == [c.name for c in spec.columns] + ["source"]
    guide = (TEMPLATES / "shortfall_09_2017_template.md").read_text(encoding="utf-8")
    assert "Thông tư 09/2017/TT-BKHCN" in guide
    assert "ItemID=122963" in guide
    assert "Every value must be transcribed from the official text" in guide


def test_unfilled_it_is_refused_filled_and_loaded_as_binding_it_flags_new_checks(
    office_db: Path, tmp_path: Path
) -> None:
    refused = runner.invoke(app, _load(TEMPLATE, effective_from="2026-11-25"))
    assert refused.exit_code == 1
    assert "rows" in refused.output  # an empty table: nothing to judge by
    assert "Invalid file" in refused.output
    engine = build_engine(f"sqlite:///{office_db}")
    prepare_database(engine)
    with Session(engine) as session:
        market = make_market(session)
        session.commit()
        before = IngestRules.from_database(session, SETTINGS)  # R 87 only
        early = [_check(s, declared=1000, mass=900, day=s) for s in (0, 1, 2)]
        store_batch(session, [_msg(market.device_id, "reading", b) for b in early], before)
        session.commit()
    filled = tmp_path / "bang-2.csv"
    with filled.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE.read_text(encoding="utf-8").splitlines()[0].split(","))
        # Made-up numbers for this test: an office writes Table 2's own.
        writer.writerow(["0", "1000", "", "20", f"{SOURCE}, dòng 1 (số giả định)"])
        writer.writerow(["1000", "", "2", "", f"{SOURCE}, dòng 2 (số giả định)"])
    loaded = runner.invoke(app, _load(filled, effective_from="2026-11-25"))
    assert loaded.exit_code == 0, loaded.output
    with Session(engine) as session:
        table = session.exec(select(RuleTable).where(RuleTable.origin == "loaded")).one()
        assert (table.code, table.binding, table.source) == ("shortfall", True, SOURCE)
        after = before.refreshed(session)
        assert after is not None
        later = [_check(s, declared=1000, mass=900, day=s) for s in (3, 4, 5)]
        out = store_batch(session, [_msg(market.device_id, "reading", b) for b in later], after)
        session.commit()
        assert len(out.requests) == 1
        readings = session.exec(select(Reading).order_by(col(Reading.seq))).all()
        assert [r.short for r in readings] == [False] * 3 + [True] * 3
        assert [r.permitted_shortfall_g for r in readings] == [15] * 3 + [20] * 3
        assert (T0 + timedelta(days=3)).date().isoformat() == "2026-11-25"
        seller = session.exec(select(Seller)).one()
        assert (seller.checks, seller.shortfalls, seller.total_missing_g) == (6, 3, 240)
    engine.dispose()
