"""The command table: every command loads on demand, and light commands stay light."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metrology_svc.cli.main import COMMANDS, app

runner = CliRunner()


def _imported(argv: list[str], env_dir: Path) -> set[str]:
    """Run the CLI in a fresh interpreter and return the modules it imported."""
    env = {"METROLOGY_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "metrology_svc", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line.split("|")[-1].strip() for line in done.stderr.splitlines()]
    return {name for name in lines if name and not name.startswith("imported package")}


def test_the_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    modules = _imported(["--help"], tmp_path)
    assert not modules & {"fastapi", "sqlalchemy", "sqlmodel", "paho", "reportlab"}
    assert not {m for m in modules if m.startswith("metrology_svc.cli.") and m.endswith("_cmd")}
    shown = runner.invoke(app, ["--help"]).output
    for name in COMMANDS:
        assert f" {name} " in shown, name


def test_users_list_imports_neither_the_web_app_nor_the_broker_client(tmp_path: Path) -> None:
    assert runner.invoke(app, ["--help"]).exit_code == 0
    subprocess.run(
        [sys.executable, "-m", "metrology_svc", "db", "upgrade"],
        env={"METROLOGY_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    modules = _imported(["users", "list"], tmp_path)
    assert "sqlmodel" in modules  # it did read the database
    assert not modules & {"fastapi", "metrology_svc.app", "paho", "reportlab", "alembic"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_in_the_table_loads_and_has_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_an_unknown_command_is_refused_with_a_hint() -> None:
    result = runner.invoke(app, ["serv"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_a_database_busy_past_the_bound_ends_with_a_message_not_a_traceback(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrology_svc.cli.main import EXIT_BUSY
    from metrology_svc.settings import get_settings

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    account = ["--email", "a@tdc.example", "--name", "A", "--role", "admin"]
    assert runner.invoke(app, ["users", "create", *account]).exit_code == 0
    monkeypatch.setenv("METROLOGY_SQLITE_BUSY_TIMEOUT_MS", "300")
    get_settings.cache_clear()
    holder = sqlite3.connect(cli_env, isolation_level=None)  # another writer, as a process would
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(
            app,
            ["users", "set-password", "--email", "a@tdc.example", "--password-stdin"],
            input="mat-khau-dai-123\n",
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == EXIT_BUSY, result.output
    assert "database stayed busy" in result.output
    assert "Traceback" not in result.output
