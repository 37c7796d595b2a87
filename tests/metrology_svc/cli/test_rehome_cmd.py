"""`metrology-svc units rehome`: a dry run saves nothing; a run moves, opens cases, lists."""

from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from metrology_svc.auth.models import AccountMessage, Role
from metrology_svc.auth.service import create_user
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine, new_session
from metrology_svc.rehoming.models import RehomeCase
from metrology_svc.sites.models import Site
from tests.metrology_svc.rehoming.support import make_old

runner = CliRunner()


def _arrange(db_file: Path) -> None:
    engine = build_engine(f"sqlite:///{db_file}")
    with new_session(engine) as session:
        old = make_old(session)
        old.site(session, "Chợ Hưng Trí", "18754")
        old.site(session, "Chợ Kỳ Lợi", "18796", latitude=18.05, longitude=106.39)
        old.site(session, "Chợ Thử", "99901")
        user = create_user(
            session,
            name="Trần Văn Hùng",
            email="kdv@tdc.example.vn",
            role=Role.VIEWER,
            unit_codes=[],
        ).user
        old.scope(session, user.id or 0, "449")
        session.commit()
    engine.dispose()


def _state(db_file: Path) -> tuple[list[tuple[str, str]], int, int]:
    engine = build_engine(f"sqlite:///{db_file}")
    with Session(engine) as session:
        sites = session.exec(select(Site)).all()
        from metrology_svc.units.models import AdminUnit

        units = {u.id: f"{u.scheme}:{u.code}" for u in session.exec(select(AdminUnit)).all()}
        cases = session.exec(select(func.count()).select_from(RehomeCase)).one()
        messages = session.exec(select(func.count()).select_from(AccountMessage)).one()
        out = sorted((s.name, units[s.unit_id]) for s in sites)
    engine.dispose()
    return out, int(cases), int(messages)


def test_a_dry_run_then_a_run_then_nothing_left(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    _arrange(cli_env)
    before = _state(cli_env)

    dry = runner.invoke(app, ["units", "rehome", "--province", "42", "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing saved" in dry.output
    assert _state(cli_env) == before
    run = runner.invoke(app, ["units", "rehome", "--province", "42"])
    assert run.exit_code == 0, run.output
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in run.output.splitlines()
        if line.count("│") >= 3
    }
    assert lines["Đã chuyển (nhập nguyên) / moved (went whole)"] == "1"
    assert lines["Mở hồ sơ, gợi ý theo tọa độ / cases opened, suggested by coordinates"] == "1"
    assert lines["Chưa có dữ liệu kế thừa / no succession loaded"] == "1"
    assert lines["Địa bàn tài khoản đã chuyển / account scopes migrated"] == "1"
    assert "Chợ Thử" in run.output  # listed by name
    assert "Trần Văn Hùng: Thị xã Kỳ Anh (2004:449) →" in run.output
    sites, cases, messages = _state(cli_env)
    assert ("Chợ Hưng Trí", "2025:18754") in sites
    assert ("Chợ Kỳ Lợi", "2004:18796") in sites
    assert (cases, messages) == (1, 1)
    again = runner.invoke(app, ["units", "rehome"])
    assert again.exit_code == 0
    assert _state(cli_env) == (sites, cases, messages)
