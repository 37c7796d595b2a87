"""The device registry: binding to a market's control scale, ids, the offline sweep."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from devices.broker_auth import verify
from devices.registry import (
    add_device,
    broker_users,
    service_account,
    service_accounts,
    sweep_offline,
    write_broker_auth,
)
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.instruments.models import InstrumentEvent
from metrology_svc.readings.models import Device
from tests.devices.ingest.support import Market, make_market


@pytest.fixture
def market(db: Session) -> Market:
    found = make_market(db)
    db.commit()
    return found


def test_a_device_binds_only_to_a_control_scale(db: Session, market: Market) -> None:
    with pytest.raises(Invalid):
        add_device(db, instrument_id=market.seller_scale_id)
    with pytest.raises(NotFound):
        add_device(db, instrument_id=999_999)
    with pytest.raises(Conflict):
        add_device(db, instrument_id=market.control_id, device_id=market.device_id)
    with pytest.raises(Invalid):
        add_device(db, instrument_id=market.control_id, device_id="Bad/Id")
    issued = add_device(db, instrument_id=market.control_id)
    assert issued.device.id.startswith("cs-")
    assert issued.device.site_id == market.world.market_a


def test_a_device_added_to_a_distrusted_scale_is_distrusted_from_the_start(
    db: Session, market: Market
) -> None:
    first = db.get(Device, market.device_id)
    assert first is not None
    assert add_device(db, instrument_id=market.control_id).device.untrusted_since is None
    failed_at = utcnow() - timedelta(hours=2)
    first.untrusted_since = failed_at
    db.flush()
    later = add_device(db, instrument_id=market.control_id).device
    assert later.untrusted_since == failed_at


def test_sweep_marks_silent_devices_offline_once(db: Session, market: Market) -> None:
    device = db.get(Device, market.device_id)
    assert device is not None
    now = utcnow()
    device.last_received_at = now - timedelta(minutes=20)
    db.flush()
    assert [d.id for d in sweep_offline(db, now=now, silence_minutes=15)] == [market.device_id]
    assert sweep_offline(db, now=now, silence_minutes=15) == []
    assert device.offline
    kinds = db.exec(
        select(InstrumentEvent.kind).where(InstrumentEvent.instrument_id == market.control_id)
    ).all()
    assert "device_offline" in kinds


def test_service_account_comes_from_the_url() -> None:
    assert service_account("mqtt://ingest:p%40ss@broker:1883") == ("ingest", "p@ss")
    assert service_account("mqtt://broker:1883") is None


@pytest.mark.parametrize("device_id", ["ingest", "ingest-2", "metrology-ingest", "service-x"])
def test_a_device_may_not_take_a_name_reserved_for_service_accounts(
    db: Session, market: Market, device_id: str
) -> None:
    with pytest.raises(Invalid) as refused:
        add_device(db, instrument_id=market.control_id, device_id=device_id)
    assert "dành cho tài khoản của hệ thống" in refused.value.message_vi


def test_each_ingest_of_a_share_group_gets_its_own_account(db: Session, market: Market) -> None:
    urls = ["mqtt://ingest-a:pw-a@b:1883", "mqtt://ingest-b:pw-b@b:1883"]
    users = broker_users(db, mqtt_url=urls[0], service_urls=[urls[1], urls[0]])
    services = [u for u in users if u.is_service]
    assert [u.username for u in services] == ["ingest-a", "ingest-b"]  # the repeat kept once
    assert verify("pw-b", services[1].credential_hash)
    assert [u.username for u in users if not u.is_service] == [market.device_id]
    with pytest.raises(Conflict):  # one account, two passwords
        service_accounts([urls[0], "mqtt://ingest-a:other@b:1883"])


def test_write_broker_auth_refuses_a_device_that_has_the_ingests_name(
    db: Session, market: Market, tmp_path: Path
) -> None:
    device = db.get(Device, market.device_id)
    assert device is not None
    # Registered before names were reserved (add_device refuses it now): the files would give
    # the device's password the ingest's client id and ACL.
    db.add(
        Device(
            id="ingest",
            instrument_id=device.instrument_id,
            site_id=device.site_id,
            credential_hash=device.credential_hash,
        )
    )
    db.flush()
    with pytest.raises(Conflict) as refused:
        write_broker_auth(db, directory=tmp_path, mqtt_url="mqtt://ingest:s3cret@b:1883")
    assert "ingest" in refused.value.message
    assert not (tmp_path / "passwd").exists()
    with pytest.raises(Conflict):  # a service name any device could still register
        write_broker_auth(db, directory=tmp_path, mqtt_url="mqtt://mqtt-svc:s3cret@b:1883")
