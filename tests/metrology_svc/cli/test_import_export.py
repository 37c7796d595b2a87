"""`metrology-svc import instruments` and `export instruments` on a real SQLite file."""

import csv
from pathlib import Path

from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.instruments.models import Instrument
from tests.metrology_svc.imports.support import scale_row, write_csv

runner = CliRunner()


def _registry(db_path: Path) -> None:
    """A migrated database: `db upgrade` loads the 2025 units (commune 18754 among them)."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0


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
    assert "số viết bằng chữ" in result.output  # "không" is zero written in words
    assert "Nothing imported" in result.output
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["level"]) for r in rows] == [
        ("3", "e (g)", "error"),
        ("1", "Hạn kiểm định", "warning"),
    ]
    assert rows[0]["reason_en"].startswith("“không” is not a number in digits")
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


def test_numbers_as_offices_write_them_and_the_report_lists_each_cell(
    cli_env: Path, tmp_path: Path
) -> None:
    _registry(cli_env)
    rows = [
        scale_row("N-1", max_g="15.000", e_g="1,5"),
        scale_row("N-2", max_g="30,000"),
        scale_row("N-3", max_g="15 kg", last_verified_on="", due_date=""),
    ]
    path = write_csv(tmp_path / "ds.csv", rows)
    report = tmp_path / "report.csv"
    args = ["import", "instruments", str(path), "--mode", "valid-only", "--report", str(report)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "numbers read the Vietnamese way (1.500,5), as the file writes them" in result.output
    assert "verifications recorded: 1" in result.output
    with report.open(encoding="utf-8-sig") as handle:
        (ambiguous, _column, no_history) = list(csv.DictReader(handle))
    # N-3 has no verification date: it stays registered, and the report says so.
    assert (no_history["level"], no_history["column"]) == ("warning", "Ngày kiểm định")
    assert "No history" in no_history["reason_en"]
    assert "(row 4)" in no_history["reason_en"]
    assert (ambiguous["row"], ambiguous["column"], ambiguous["value"]) == ("3", "Max (g)", "30,000")
    for shown in ("30\u00a0000 g", "30 g"):
        assert shown in ambiguous["reason_en"]
        assert shown in ambiguous["reason_vi"]
    with Session(build_engine(f"sqlite:///{cli_env}")) as session:
        found = session.exec(select(Instrument).order_by(col(Instrument.serial))).all()
        assert [(i.serial, i.max_g, i.e_g, i.status) for i in found] == [
            ("N-1", 15000, 1.5, "in_service"),
            ("N-3", 15000, 50, "registered"),
        ]


def test_the_convention_option(cli_env: Path, tmp_path: Path) -> None:
    _registry(cli_env)
    path = write_csv(tmp_path / "en.csv", [scale_row("E-1", max_g="15,000", e_g="0.5")])
    refused = runner.invoke(app, ["import", "instruments", str(path), "--convention", "vi"])
    assert refused.exit_code == 1
    assert "written the English way" in refused.output
    taken = runner.invoke(app, ["import", "instruments", str(path), "--convention", "en"])
    assert taken.exit_code == 0, taken.output
    assert "the English way (1,500.5), as chosen with --convention" in taken.output
    mixed = write_csv(
        tmp_path / "mixed.csv", [scale_row("E-2", e_g="0,5"), scale_row("E-3", e_g="0.5")]
    )
    both = runner.invoke(app, ["import", "instruments", str(mixed)])
    assert both.exit_code == 1
    assert "Số được viết lẫn hai kiểu" in both.output
    assert _count(cli_env) == 1
