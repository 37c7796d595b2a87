"""The device registry: binding to a market's control scale, ids, the offline sweep."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from devices.registry import add_device, service_account, sweep_offline
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
