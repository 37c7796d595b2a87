"""`metrology-svc demo` and `serve --demo` on a private SQLite file (uvicorn is never started)."""

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from metrology_svc.auth.credentials import check_login
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.auth.service import authenticate, create_user
from metrology_svc.bootstrap import prepare_database
from metrology_svc.cli import serve_cmd
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.demo.loader import instrument_count
from metrology_svc.instruments.models import Instrument
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit
from tests.metrology_svc.demo.conftest import TODAY

runner = CliRunner()
ARGS = ["demo", "--seed", "5", "--instruments", "120", "--today", TODAY.isoformat()]


LOGIN = re.compile(r"^\s+(\w+)\s+(\S+@\S+\.example)\s+(\S+)(?:\s+token: (mtk_\S+))?\s*$")


def _logins(output: str) -> dict[str, tuple[str, str, str | None]]:
    """Return key → (e-mail, password, token if printed) from the printed logins."""
    found = (LOGIN.match(line) for line in output.splitlines())
    return {m[1]: (m[2], m[3], m[4]) for m in found if m}


def _admin_token(output: str) -> str:
    tokens = [line.strip() for line in output.splitlines() if line.strip().startswith("mtk_")]
    assert len(tokens) == 1, output
    return tokens[0]


def test_demo_fills_the_database_and_prints_the_logins_once(demo_env: Path) -> None:
    result = runner.invoke(app, ARGS)
    assert result.exit_code == 0, result.output
    logins = _logins(result.output)
    assert set(logins) == {"admin", "inspector_province", "inspector_commune", "viewer", "owner"}
    assert "Theo trạng thái / By status" in result.output
    with Session(build_engine(f"sqlite:///{demo_env}")) as session:
        assert instrument_count(session) >= 120
        assert authenticate(session, _admin_token(result.output)).role == "admin"
        for key, (email, password, _token) in logins.items():
            user = check_login(session, email=email, password=password)
            assert user is not None, key
        _email, _password, owner_token = logins["owner"]
        assert owner_token is not None
        assert authenticate(session, owner_token).owner_id is not None
        commune = session.exec(select(User).where(User.email == logins["inspector_commune"][0]))
        user_id = commune.one().id
        assert user_id is not None
        assert AuthRepository(session).unit_paths(user_id) == ("42/18754/",)


def test_demo_refuses_a_registry_that_has_instruments(demo_env: Path) -> None:
    assert runner.invoke(app, ARGS).exit_code == 0
    engine = build_engine(f"sqlite:///{demo_env}")
    with Session(engine) as session:
        before = instrument_count(session)
    again = runner.invoke(app, ARGS)
    assert again.exit_code == 1
    assert "không nạp dữ liệu mẫu" in again.output
    assert "demo data not loaded" in again.output
    assert "mtk_" not in again.output
    with Session(engine) as session:
        assert instrument_count(session) == before


def test_demo_rejects_a_bad_today(demo_env: Path) -> None:
    result = runner.invoke(app, ["demo", "--today", "15/03/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_prepare_demo_loads_only_into_an_empty_registry(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    prepare_database(engine)
    token = serve_cmd.prepare_demo(engine, settings=Settings(), today=TODAY)
    assert token is not None
    with Session(engine) as session:
        assert authenticate(session, token).role == "admin"
        count = instrument_count(session)
    assert count >= 200
    assert serve_cmd.prepare_demo(engine, settings=Settings(), today=TODAY) is None
    with Session(engine) as session:
        assert instrument_count(session) == count


def test_prepare_demo_says_why_it_cannot_load_and_leaves_the_database_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'taken.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        create_user(
            session, name="Đã có", email="admin@tdc-hatinh.example", role=Role.ADMIN, unit_codes=[]
        )
        session.commit()
    assert serve_cmd.prepare_demo(engine, settings=Settings(), today=TODAY) is None
    assert "admin@tdc-hatinh.example" in capsys.readouterr().err
    with Session(engine) as session:
        assert instrument_count(session) == 0
        assert session.exec(select(Site)).first() is None
        # Nothing of the demo stays: not even the old list it loads first (the 2025 list
        # is the database's own, loaded on upgrade).
        assert session.exec(select(AdminUnit).where(AdminUnit.scheme == "2004")).first() is None
        assert session.exec(select(AdminUnit).where(AdminUnit.scheme == "2025")).first()


def test_serve_demo_loads_before_serving(demo_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *_a, **kw: served.append(kw))
    result = runner.invoke(app, ["serve", "--demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert [kw["port"] for kw in served] == [8123]
    assert "mtk_" in result.output
    with Session(build_engine(f"sqlite:///{demo_env}")) as session:
        assert session.exec(select(Instrument)).first() is not None
    plain = runner.invoke(app, ["serve", "--demo"])
    assert plain.exit_code == 0, plain.output
    assert "mtk_" not in plain.output
