"""`metrology-svc users list`: accounts, roles and scopes, never a password or a token."""

from pathlib import Path

from typer.testing import CliRunner

from metrology_svc.cli.main import app

runner = CliRunner()


def _token(*args: str) -> str:
    result = runner.invoke(app, ["users", "create", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_users_list_shows_roles_scopes_and_login_state_but_no_secrets(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    admin = _token("--email", "admin@tdc.example.vn", "--name", "Quản trị", "--role", "admin")
    inspector = _token(
        "--email", "kdv@tdc.example.vn", "--name", "Trần Văn Hùng", "--role", "inspector",
        "--unit", "42", "--unit", "18754",
    )  # fmt: skip
    password = "mat-khau-dai-123"
    set_pw = runner.invoke(
        app,
        ["users", "set-password", "--email", "kdv@tdc.example.vn", "--password-stdin"],
        input=f"{password}\n",
    )
    assert set_pw.exit_code == 0, set_pw.output

    result = runner.invoke(app, ["users", "list"])

    assert result.exit_code == 0, result.output
    rows = {line.split("│")[2].strip(): line for line in result.output.splitlines() if "@" in line}
    assert set(rows) == {"admin@tdc.example.vn", "kdv@tdc.example.vn"}
    assert "admin" in rows["admin@tdc.example.vn"]
    assert "office-wide" in rows["admin@tdc.example.vn"]
    assert "chưa / none" in rows["admin@tdc.example.vn"]
    assert "inspector" in rows["kdv@tdc.example.vn"]
    assert "Tỉnh Hà Tĩnh (42)" in rows["kdv@tdc.example.vn"]  # loaded with the 2025 list
    assert "Phường Sông Trí (18754)" in rows["kdv@tdc.example.vn"]
    assert "có / set" in rows["kdv@tdc.example.vn"]
    for secret in (admin, inspector, password, admin[4:12], "scrypt$"):
        assert secret not in result.output


def test_users_list_on_an_empty_registry(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 0, result.output
    assert "Accounts: 0" in result.output
