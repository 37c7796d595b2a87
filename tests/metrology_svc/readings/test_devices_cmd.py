"""`metrology-svc devices add` and `devices write-broker-auth` on a real SQLite file."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from devices.broker_auth import verify
from metrology_svc.bootstrap import prepare_database
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.service import create_instrument
from metrology_svc.readings.models import Device
from metrology_svc.settings import get_settings
from tests.devices.ingest.support import admin_of, control_scale, seller_scale
from tests.factories import make_world

runner = CliRunner()


@pytest.fixture
def instruments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, int, int]]:
    """A data directory whose database holds a control scale and a trade scale."""
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("METROLOGY_MQTT_URL", "mqtt://ingest:s3cret@127.0.0.1:1883")
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    engine = build_engine(f"sqlite:///{tmp_path / 'metrology.db'}")
    prepare_database(engine)
    with new_session(engine) as session:
        w = make_world(session)
        control = create_instrument(session, admin_of(session), control_scale(w))
        trade = create_instrument(session, admin_of(session), seller_scale(w))
        session.commit()
    yield tmp_path / "metrology.db", control.id or 0, trade.id or 0
    engine.dispose()
    get_settings.cache_clear()


def test_add_prints_the_password_once_and_stores_only_its_hash(
    instruments: tuple[Path, int, int], tmp_path: Path
) -> None:
    db_path, control_id, _ = instruments
    result = runner.invoke(app, ["devices", "add", "--instrument", str(control_id)])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    device_id, password = lines["device_id"], lines["password"]
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        device = session.exec(select(Device)).one()
    assert device.id == device_id
    assert password not in device.credential_hash
    assert verify(password, device.credential_hash)
    auth = runner.invoke(app, ["devices", "write-broker-auth", str(tmp_path / "auth")])
    assert auth.exit_code == 0, auth.output
    passwd = (tmp_path / "auth" / "passwd").read_text()
    acl = (tmp_path / "auth" / "acl").read_text()
    assert f"{device_id}:{device.credential_hash}\n" in passwd
    assert passwd.startswith("ingest:$7$")
    assert f"user {device_id}\ntopic write metrology/v1/{device_id}/#" in acl
    assert "user ingest\ntopic read metrology/v1/#" in acl


def test_add_refuses_a_trade_scale(instruments: tuple[Path, int, int]) -> None:
    _, _, trade_id = instruments
    result = runner.invoke(app, ["devices", "add", "--instrument", str(trade_id)])
    assert result.exit_code == 1
    assert "cân đối chứng" in result.output
