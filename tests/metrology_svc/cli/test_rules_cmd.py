"""`metrology-svc rules list|show|load` on a real SQLite file."""

import csv
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.rulebook.service import load_rulebook
from tests.metrology_svc.rulebook.test_service import cycles_rows

runner = CliRunner()


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_list_and_show_the_shipped_tables(cli_env: Path) -> None:
    listed = runner.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert "scale_classes" in listed.output
    assert "2024-10-15" in listed.output
    shown = runner.invoke(app, ["rules", "show", "cycles", "--version", "2013-11-15"])
    assert shown.exit_code == 0, shown.output
    assert "scale_spring_dial" in shown.output
    assert "cycle_months (months)" in shown.output
    missing = runner.invoke(app, ["rules", "show", "nope"])
    assert missing.exit_code == 1
    assert "No rule table 'nope'" in missing.output


def test_load_a_new_version_from_a_file(cli_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "chu-ky.csv", cycles_rows(spring_dial=36))
    args = ["rules", "load", str(path), "--code", "cycles", "--effective-from", "2027-01-01"]
    args += ["--source", "Thông tư giả định 99/2026", "--status", "sourced"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "phiên bản 2027-01-01" in result.output
    with Session(build_engine(f"sqlite:///{cli_env}")) as session:
        cycles = load_rulebook(session).cycle_rows("scale_spring_dial")
    assert [c.cycle_months for c in cycles] == [24, 24, 24, 36]


def test_a_bad_file_is_refused_and_nothing_is_stored(cli_env: Path, tmp_path: Path) -> None:
    rows = [
        {"goods_mass_from_g": "40", "goods_mass_to_g": "100", "max_division_g": "2"},
        {"goods_mass_from_g": "150", "goods_mass_to_g": "200", "max_division_g": "5"},
    ]
    path = _write(tmp_path / "do-chia.csv", rows)
    args = ["rules", "load", str(path), "--code", "retail_division", "--effective-from"]
    args += ["2027-01-01", "--source", "Thông tư 09/2017 bảng 1", "--status", "sourced"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "gap: nothing covers 100 … 150" in result.output
    assert "khoảng trống" in result.output
    no_source = runner.invoke(app, [*args[:-4], "--source", "", "--status", "sourced"])
    assert no_source.exit_code == 1
    listed = runner.invoke(app, ["rules", "list"])
    assert "loaded" not in listed.output


def test_rules_list_imports_no_web_app(tmp_path: Path) -> None:
    env = {"METROLOGY_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "metrology_svc", "rules", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert not modules & {"fastapi", "metrology_svc.app", "paho", "reportlab"}
