"""`metrology-svc users tokens list|create|revoke` and `users disable|enable`, on a SQLite file."""

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from metrology_svc.app import create_app
from metrology_svc.cli.main import app
from metrology_svc.settings import get_settings

runner = CliRunner()
EMAIL = "b@tdc.example.vn"


def _token(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("mtk_"))


def _status(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return int(client.get("/api/v1/users/me", headers=headers).status_code)


def test_tokens_are_made_listed_and_revoked_and_accounts_disabled(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    made = runner.invoke(
        app, ["users", "create", "--email", EMAIL, "--name", "B", "--token-days", "30"]
    )
    assert made.exit_code == 0, made.output
    assert "30" in made.output
    first = _token(made.output)
    dated = runner.invoke(
        app,
        [
            "users",
            "tokens",
            "create",
            "--email",
            EMAIL,
            "--label",
            "cron",
            "--expires",
            "2099-01-31",
        ],
    )
    assert dated.exit_code == 0, dated.output
    assert "2099-01-31 23:59" in dated.output
    second = _token(dated.output)
    both = runner.invoke(
        app,
        ["users", "tokens", "create", "--email", EMAIL, "--days", "1", "--expires", "2099-01-31"],
    )
    assert both.exit_code == 2
    listed = runner.invoke(app, ["users", "tokens", "list", "--email", EMAIL])
    assert listed.exit_code == 0, listed.output
    assert "cron" in listed.output
    assert "2099-01-31" in listed.output
    assert first not in listed.output  # only the first characters are ever shown
    assert first[:10] in listed.output
    with TestClient(create_app(settings=get_settings())) as client:
        assert _status(client, first) == _status(client, second) == 200
        second_id = listed.output.split("cron")[0].split("│")[-3].strip()
        revoked = runner.invoke(app, ["users", "tokens", "revoke", second_id])
        assert revoked.exit_code == 0, revoked.output
        assert _status(client, second) == 401
        assert _status(client, first) == 200
        assert runner.invoke(app, ["users", "disable", "--email", EMAIL]).exit_code == 0
        assert _status(client, first) == 401
        assert "disabled" in runner.invoke(app, ["users", "list"]).output
        assert runner.invoke(app, ["users", "enable", "--email", EMAIL]).exit_code == 0
        assert _status(client, first) == 200
        every = runner.invoke(app, ["users", "tokens", "revoke", "--email", EMAIL])
        assert every.exit_code == 0, every.output
        assert "1 token" in every.output
        assert _status(client, first) == 401
    assert "revoked" in runner.invoke(app, ["users", "tokens", "list"]).output
    assert runner.invoke(app, ["users", "tokens", "revoke"]).exit_code == 2
    assert runner.invoke(app, ["users", "tokens", "revoke", "999"]).exit_code == 1
    assert runner.invoke(app, ["users", "disable", "--email", "x@y.vn"]).exit_code == 1


def test_set_password_refuses_a_common_password_in_both_languages(cli_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["users", "create", "--email", EMAIL, "--name", "B"])
    res = runner.invoke(
        app, ["users", "set-password", "--email", EMAIL, "--password-stdin"], input="password123\n"
    )
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    assert "phổ biến nhất" in flat
    assert "most common passwords" in flat
