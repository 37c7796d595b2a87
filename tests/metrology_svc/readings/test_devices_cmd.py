"""`metrology-svc devices add` and `devices write-broker-auth` on a real SQLite file."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from devices.broker_auth import pbkdf2_hash, verify
from metrology_svc.bootstrap import prepare_database
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.models import Instrument
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
    assert f"user {device_id}\ntopic write metrology/v1/{device_id}/readings\n" in acl
    assert f"topic read metrology/v1/{device_id}/ack\n" in acl
    assert "user ingest\ntopic read metrology/v1/+/readings\n" in acl
    assert "topic write metrology/v1/+/ack\n" in acl


def test_add_refuses_a_trade_scale(instruments: tuple[Path, int, int]) -> None:
    _, _, trade_id = instruments
    result = runner.invoke(app, ["devices", "add", "--instrument", str(trade_id)])
    assert result.exit_code == 1
    assert "cân đối chứng" in result.output


INGESTS = ("mqtt://ingest-1:pw-one@mosquitto:1883", "mqtt://ingest-2:pw-two@mosquitto:1883")


def _acl_blocks(acl: str) -> dict[str, list[list[str]]]:
    """Each `user` line of an ACL file with the rule lines under it (a list per occurrence)."""
    blocks: dict[str, list[list[str]]] = {}
    for block in acl.split("\n\n"):
        lines = [x for x in block.splitlines() if x and not x.startswith("#")]
        if lines:
            blocks.setdefault(lines[0].removeprefix("user "), []).append(lines[1:])
    return blocks


def _add_device_named(db_path: Path, control_id: int, device_id: str) -> None:
    """Register a device behind `devices add`'s back, as one named before names were reserved."""
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        site_id = session.exec(select(Instrument.site_id).where(Instrument.id == control_id)).one()
        session.add(
            Device(
                id=device_id,
                instrument_id=control_id,
                site_id=site_id,
                credential_hash=pbkdf2_hash("device-password"),
            )
        )
        session.commit()


@pytest.mark.parametrize("through", ["options", "environment"])
def test_each_ingest_of_a_share_group_gets_one_account_and_acl_block(
    instruments: tuple[Path, int, int], tmp_path: Path, through: str
) -> None:
    auth = tmp_path / "auth"
    if through == "options":
        args = [a for url in INGESTS for a in ("--service-url", url)]
        result = runner.invoke(app, ["devices", "write-broker-auth", str(auth), *args])
    else:
        env = {"METROLOGY_MQTT_SERVICE_URLS": " ".join(INGESTS)}
        result = runner.invoke(app, ["devices", "write-broker-auth", str(auth)], env=env)
    assert result.exit_code == 0, result.output
    assert "ingest, ingest-1, ingest-2" in result.output
    passwd = dict(line.split(":", 1) for line in (auth / "passwd").read_text().splitlines())
    assert verify("s3cret", passwd["ingest"])  # METROLOGY_MQTT_URL's own account
    assert verify("pw-one", passwd["ingest-1"])
    assert verify("pw-two", passwd["ingest-2"])
    assert not verify("pw-one", passwd["ingest-2"])
    blocks = _acl_blocks((auth / "acl").read_text())
    service_rules = [
        "topic read metrology/v1/+/readings",
        "topic read metrology/v1/+/selfcheck",
        "topic read metrology/v1/+/status",
        "topic write metrology/v1/+/ack",
    ]
    for name in ("ingest", "ingest-1", "ingest-2"):
        assert blocks[name] == [service_rules], name  # exactly one block each


def test_the_same_ingest_url_twice_writes_one_account(
    instruments: tuple[Path, int, int], tmp_path: Path
) -> None:
    url = INGESTS[0]
    args = ["--service-url", url, "--service-url", url]
    result = runner.invoke(app, ["devices", "write-broker-auth", str(tmp_path / "a"), *args])
    assert result.exit_code == 0, result.output
    assert list(_acl_blocks((tmp_path / "a" / "acl").read_text())) == ["ingest", "ingest-1"]


@pytest.mark.parametrize(
    ("service_urls", "device_id", "said"),
    [
        # A device registered as ingest-2 would share that ingest's client id and ACL.
        (INGESTS, "ingest-2", "ingest-2"),
        # No device has the name yet, but any device could be registered under it.
        (("mqtt://reader:pw@mosquitto:1883",), None, "reader"),
        (("mqtt://ingest-1:pw-one@h:1883", "mqtt://ingest-1:other@h:1883"), None, "ingest-1"),
        # A URL with no user adds no account: the ingest meant by it would be locked out.
        (("mqtt://:pw-leak@mosquitto:1883",), None, "mosquitto:1883"),
        (("mqtt://ingest-9:pw-leak@[mosquitto",), None, "--service-url"),
    ],
)
def test_clashing_or_unusable_accounts_are_refused_and_the_files_kept(
    instruments: tuple[Path, int, int],
    tmp_path: Path,
    service_urls: tuple[str, ...],
    device_id: str | None,
    said: str,
) -> None:
    db_path, control_id, _ = instruments
    auth = tmp_path / "auth"
    assert runner.invoke(app, ["devices", "write-broker-auth", str(auth)]).exit_code == 0
    before = {f: (auth / f).read_text() for f in ("passwd", "acl")}
    if device_id is not None:
        _add_device_named(db_path, control_id, device_id)
    args = [a for url in service_urls for a in ("--service-url", url)]
    result = runner.invoke(app, ["devices", "write-broker-auth", str(auth), *args])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a refusal, not a traceback
    output = " ".join(result.output.split())  # the console wraps long lines
    assert said in output
    vietnamese, _, english = output.lower().partition(" / ")
    assert "tài khoản" in vietnamese
    assert "account" in english
    assert "pw-" not in output  # a password never reaches the terminal
    assert {f: (auth / f).read_text() for f in ("passwd", "acl")} == before


def test_no_ingest_account_at_all_is_written_with_a_warning(
    instruments: tuple[Path, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METROLOGY_MQTT_URL", "mqtt://mosquitto:1883")
    get_settings.cache_clear()
    result = runner.invoke(app, ["devices", "write-broker-auth", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "No ingest account" in " ".join(result.output.split())
    assert (tmp_path / "a" / "passwd").read_text() == ""
