"""`metrology-svc import instruments` and `export instruments` on a real SQLite file."""

import csv
from pathlib import Path

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.instruments.models import Instrument
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit
from tests.metrology_svc.imports.support import scale_row, write_csv

runner = CliRunner()


def _registry(db_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        for code, level, parent in [
            ("42", UnitLevel.PROVINCE, None),
            ("436", UnitLevel.DISTRICT, "42"),
            ("18202", UnitLevel.COMMUNE, "436"),
        ]:
            unit = AdminUnitCreate(
                code=code, name=f"Đơn vị {code}", level=level, parent_code=parent
            )
            create_unit(session, unit)
        session.commit()


def _count(db_path: Path) -> int:
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        return session.exec(select(func.count()).select_from(Instrument)).one()


def test_import_then_reimport_then_export_round_trip(cli_env: Path, tmp_path: Path) -> None:
    _registry(cli_env)
    path = write_csv(tmp_path / "ds.csv", [scale_row("C-1"), scale_row("C-2")])
    first = runner.invoke(app, ["import", "instruments", str(path)])
    assert first.exit_code == 0, first.output
    assert "Tạo mới / created: 2" in first.output
    again = runner.invoke(app, ["import", "instruments", str(path)])
    assert "Không đổi / unchanged: 2" in again.output
    out = tmp_path / "out.xlsx"
    exported = runner.invoke(app, ["export", "instruments", str(out), "--lang", "en"])
    assert exported.exit_code == 0, exported.output
    back = runner.invoke(app, ["import", "instruments", str(out), "--mode", "valid-only"])
    assert back.exit_code == 0, back.output
    assert "unchanged: 2" in back.output
    assert _count(cli_env) == 2


def test_rejected_rows_exit_non_zero_and_go_to_the_report(cli_env: Path, tmp_path: Path) -> None:
    _registry(cli_env)
    path = write_csv(tmp_path / "ds.csv", [scale_row("C-1"), scale_row("C-2", e_g="không")])
    report = tmp_path / "report.csv"
    result = runner.invoke(app, ["import", "instruments", str(path), "--report", str(report)])
    assert result.exit_code == 1
    assert "Không phải số / Not a number" in result.output
    assert "Nothing imported" in result.output
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["reason_en"]) for r in rows] == [
        ("3", "e (g)", "Not a number")
    ]
    assert _count(cli_env) == 0
    partial = runner.invoke(app, ["import", "instruments", str(path), "--mode", "valid-only"])
    assert partial.exit_code == 1
    assert _count(cli_env) == 1


def test_unknown_user_and_unreadable_file_are_refused(cli_env: Path, tmp_path: Path) -> None:
    _registry(cli_env)
    path = write_csv(tmp_path / "ds.csv", [scale_row("C-1")])
    nobody = runner.invoke(app, ["import", "instruments", str(path), "--as", "ai@x.vn"])
    assert nobody.exit_code == 1
    assert "Không có người dùng" in nobody.output
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\0\1\2")
    refused = runner.invoke(app, ["import", "instruments", str(junk)])
    assert refused.exit_code == 1
    assert "Tệp không phải danh sách" in refused.output
