"""`metrology-svc users set-password`: from standard input or a hidden prompt."""

from pathlib import Path

from typer.testing import CliRunner

from metrology_svc.auth.credentials import check_login
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine, new_session

runner = CliRunner()
EMAIL = "a@tdc.example.vn"


def _can_log_in(db_file: Path, password: str) -> bool:
    engine = build_engine(f"sqlite:///{db_file}")
    try:
        with new_session(engine) as session:
            return check_login(session, email=EMAIL, password=password) is not None
    finally:
        engine.dispose()


def test_set_password_from_stdin_and_from_a_hidden_prompt(cli_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["users", "create", "--email", EMAIL, "--name", "A"])
    res = runner.invoke(
        app,
        ["users", "set-password", "--email", EMAIL, "--password-stdin"],
        input="mat-khau-moi-123\n",
    )
    assert res.exit_code == 0, res.output
    assert _can_log_in(cli_env, "mat-khau-moi-123")
    short = runner.invoke(
        app, ["users", "set-password", "--email", EMAIL, "--password-stdin"], input="ngan\n"
    )
    assert short.exit_code == 1
    assert _can_log_in(cli_env, "mat-khau-moi-123")
    prompted = runner.invoke(
        app,
        ["users", "set-password", "--email", EMAIL],
        input="mat-khau-moi-456\nmat-khau-moi-456\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "mat-khau-moi-456" not in prompted.output  # typed, never echoed
    assert _can_log_in(cli_env, "mat-khau-moi-456")
    assert not _can_log_in(cli_env, "mat-khau-moi-123")
    unknown = runner.invoke(
        app, ["users", "set-password", "--email", "x@y.vn", "--password-stdin"], input="a" * 12
    )
    assert unknown.exit_code == 1
