"""`metrology-svc db upgrade` and `users create` on a real SQLite file."""

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from metrology_svc import migrate
from metrology_svc.auth.models import ApiToken, User
from metrology_svc.auth.service import hash_token
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.rulebook.service import load_rulebook

runner = CliRunner()


def test_db_upgrade_builds_schema_and_loads_cycles(cli_env: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = build_engine(f"sqlite:///{cli_env}")
    assert migrate.current_revisions(engine) == migrate.head_revisions()
    with Session(engine) as session:
        spring = load_rulebook(session).cycle_rows("scale_spring_dial")
        assert [c.cycle_months for c in spring] == [24, 24, 24]
    again = runner.invoke(app, ["db", "upgrade"])
    assert "reference rows changed: 0" in again.output


def test_users_create_prints_a_token_once_and_stores_its_hash(cli_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "kdv@tdc.example.vn",
            "--name",
            "Kiểm định viên",
            "--role",
            "admin",
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("mtk_")
    with Session(build_engine(f"sqlite:///{cli_env}")) as session:
        user = session.exec(select(User)).one()
        stored = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hash_token(token)


def test_users_create_refuses_unknown_unit(cli_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "i@x.vn",
            "--name",
            "I",
            "--role",
            "inspector",
            "--unit",
            "99",
        ],
    )
    assert result.exit_code == 1
    assert "Không có đơn vị hành chính" in result.output
