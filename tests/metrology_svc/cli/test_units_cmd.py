"""`metrology-svc units …` on a real SQLite file: lists, succession, conversion, exit codes."""

from pathlib import Path

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.units import disagreements, succession_files
from metrology_svc.units.models import AdminUnit, UnitSuccession

runner = CliRunner()


def _count(db_path: Path, model: type[AdminUnit] | type[UnitSuccession], scheme: str = "") -> int:
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        stmt = select(func.count()).select_from(model)
        if scheme:
            stmt = stmt.where(AdminUnit.scheme == scheme)
        return session.exec(stmt).one()


def test_help_is_bilingual() -> None:
    result = runner.invoke(app, ["units", "--help"])
    assert result.exit_code == 0
    for word in ("load-2004", "succession", "convert", "disagreements", "rehome"):
        assert word in result.output
    assert "Đơn vị hành chính" in result.output


def test_load_the_2025_list_again_changes_nothing(cli_env: Path) -> None:
    result = runner.invoke(app, ["units", "load"])
    assert result.exit_code == 0, result.output
    assert "thêm / added 0" in result.output
    assert "không đổi / unchanged 3355" in result.output


def test_load_2004_and_the_shipped_succession(cli_env: Path) -> None:
    first = runner.invoke(app, ["units", "load-2004", "--province", "42"])
    assert first.exit_code == 0, first.output
    assert "thêm / added 222" in first.output
    assert (
        "không đổi / unchanged 222"
        in runner.invoke(app, ["units", "load-2004", "--province", "42"]).output
    )
    loaded = runner.invoke(app, ["units", "succession", "load", "--province", "42"])
    assert loaded.exit_code == 0, loaded.output
    assert "thêm / added 287" in loaded.output
    again = runner.invoke(app, ["units", "succession", "load", "--province", "42"])
    assert "không đổi / unchanged 287" in again.output
    assert _count(cli_env, UnitSuccession) == 287
    assert _count(cli_env, AdminUnit, "2004") == 222


def test_derive_then_import_a_succession_file(cli_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "cao-bang.csv"
    derived = runner.invoke(
        app, ["units", "succession", "derive", "--province", "04", "-o", str(out)]
    )
    assert derived.exit_code == 0, derived.output
    assert "resolution column is blank" in derived.output
    rows = succession_files.read_rows(out)
    assert rows
    assert {r.resolution for r in rows if r.old_level != "province"} == {""}
    imported = runner.invoke(
        app,
        [
            "units",
            "succession",
            "import",
            str(out),
            "--resolution",
            "1999/NQ-UBTVQH15 (thử)",
            "--resolution-date",
            "2025-06-16",
        ],
    )
    assert imported.exit_code == 0, imported.output
    assert f"thêm / added {len(rows)}" in imported.output
    assert _count(cli_env, UnitSuccession) == len(rows)


def test_derive_ha_tinh_gives_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "42.csv"
    result = runner.invoke(
        app, ["units", "succession", "derive", "--province", "42", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == succession_files.shipped("42").read_bytes()


def test_disagreements_are_written(tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    result = runner.invoke(app, ["units", "disagreements", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Khác mã / codes: 123" in result.output
    assert disagreements.read(out) == disagreements.read()


def test_convert_prints_the_2025_unit(cli_env: Path) -> None:
    result = runner.invoke(app, ["units", "convert", "Phường Bắc Hà, Thành phố Hà Tĩnh"])
    assert result.exit_code == 0, result.output
    assert "18073\tPhường Thành Sen" in result.output
    assert "danh mục 2004" in result.output
    code = runner.invoke(app, ["units", "convert", "18077"])
    assert code.exit_code == 0, code.output
    assert "Mã 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, danh mục 2004)" in code.output


def test_bad_input_exits_2_in_both_languages(cli_env: Path, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["units", "convert", "18075"])
    assert unknown.exit_code == 2
    assert "Không có đơn vị hành chính '18075'" in unknown.output
    assert "No administrative unit '18075'" in unknown.output
    province = runner.invoke(app, ["units", "load-2004", "--province", "99"])
    assert province.exit_code == 2
    assert "Không có tỉnh mã '99'" in province.output
    derive = runner.invoke(
        app, ["units", "succession", "derive", "--province", "18073", "-o", str(tmp_path / "x")]
    )
    assert derive.exit_code == 2
    assert "is not a province code" in derive.output
    bad = tmp_path / "bad.csv"
    bad.write_text("old_code\n1\n", encoding="utf-8")
    refused = runner.invoke(app, ["units", "succession", "import", str(bad)])
    assert refused.exit_code == 2
    assert "Tệp kế thừa đơn vị bị từ chối" in refused.output
    shipped = runner.invoke(app, ["units", "succession", "load", "--province", "01"])
    assert shipped.exit_code == 2
    date = runner.invoke(
        app, ["units", "succession", "import", str(bad), "--resolution-date", "16/06/2025"]
    )
    assert date.exit_code == 2
    assert "yyyy-mm-dd" in date.output
