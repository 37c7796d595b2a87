"""Merging a duplicate owner: everything moves, the letters already made stay as they were,
and the audit record keeps the duplicate whole (issue 19, item 5)."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.service import verify_chain
from metrology_svc.auth.models import OwnerUser, Role
from metrology_svc.auth.service import authenticate, create_user
from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.notices.models import Notice, NoticeKind, NoticePreference
from metrology_svc.notices.service import enqueue
from metrology_svc.owners.models import Owner
from tests.factories import World, spring_scale

API = "/api/v1/owners"


def _duplicate(db: Session, world: World) -> tuple[int, int, str]:
    """Register Hoa a second time (no phone, as an import would) with an instrument, a notice
    addressed to that record, notice channels and a portal account."""
    dup = Owner(name="Nguyễn Thị Hoa", address="Thôn 3, Kỳ Anh", email="hoa.dup@example.com")
    db.add(dup)
    db.flush()
    assert dup.id is not None
    admin = authenticate(db, world.tokens["admin"])
    body = {**spring_scale(world, serial="DUP-1"), "owner_id": dup.id}
    instrument = create_instrument(db, admin, InstrumentCreate.model_validate(body))
    assert instrument.id is not None
    enqueue(
        db,
        kind=NoticeKind.LOST_STAMP,
        instrument_id=instrument.id,
        due_date=date(2026, 12, 1),
        now=utcnow(),
    )
    db.add(NoticePreference(owner_id=dup.id, email="hoa.dup@example.com", letter=True))
    token = create_user(
        db,
        name="Hoa (tài khoản 2)",
        email="hoa2@example.com",
        role=Role.OWNER,
        unit_codes=[],
        owner_id=dup.id,
    ).token
    db.commit()
    return dup.id, instrument.id, token


def test_merge_moves_everything_and_is_audited(
    client: TestClient, db: Session, world: World
) -> None:
    dup, instrument_id, portal = _duplicate(db, world)
    notice = db.exec(select(Notice).where(Notice.instrument_id == instrument_id)).one()
    assert (notice.owner_id, notice.recipient_name) == (dup, "Nguyễn Thị Hoa")
    r = client.post(
        f"{API}/{world.owner_vi}/merge", json={"duplicate_id": dup}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["instrument_ids"] == [instrument_id]
    assert (body["notices"], body["accounts"], body["decisions"]) == (1, 1, 0)
    assert body["preferences"] is True
    assert body["filled"] == ["email", "address"]  # Hoa had neither; her phone stays hers
    assert body["owner"]["phone"] == "0912345678"
    db.expire_all()
    assert db.get(Owner, dup) is None
    assert client.get(f"{API}/{dup}", headers=world.auth("admin")).status_code == 404
    instrument = db.get(Instrument, instrument_id)
    assert instrument is not None
    assert instrument.owner_id == world.owner_vi
    events = db.exec(
        select(InstrumentEvent).where(InstrumentEvent.instrument_id == instrument_id)
    ).all()
    moved = [e.detail for e in events if e.kind == "transferred"]
    assert moved == [
        {
            "from_owner_id": dup,
            "to_owner_id": world.owner_vi,
            "serial": "DUP-1",
            "reason": "owner_merge",
        }
    ]
    # The notice now belongs to the owner; its letter still prints the recipient it was made for.
    db.refresh(notice)
    assert (notice.owner_id, notice.recipient_name) == (world.owner_vi, "Nguyễn Thị Hoa")
    prefs = db.get(NoticePreference, world.owner_vi)
    assert prefs is not None
    assert (prefs.email, prefs.letter) == ("hoa.dup@example.com", True)
    assert db.get(NoticePreference, dup) is None
    # The duplicate's portal account reads the owner that stays, its instrument included.
    links = db.exec(select(OwnerUser.owner_id).where(col(OwnerUser.owner_id) == dup)).all()
    assert links == []
    assert authenticate(db, portal).owner_id == world.owner_vi
    seen = client.get(
        f"/api/v1/instruments/{instrument_id}", headers={"Authorization": f"Bearer {portal}"}
    )
    assert seen.status_code == 200
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "owner.merge")).one()
    assert (record.entity, record.entity_id) == ("owner", world.owner_vi)
    assert record.detail["duplicate_id"] == dup
    assert record.detail["merged_owner"]["name"] == "Nguyễn Thị Hoa"
    assert record.detail["merged_owner"]["address"] == "Thôn 3, Kỳ Anh"
    assert record.detail["merged_preferences"]["email"] == "hoa.dup@example.com"
    assert record.detail["instrument_ids"] == [instrument_id]
    assert record.detail["filled"] == {"email": "hoa.dup@example.com", "address": "Thôn 3, Kỳ Anh"}
    assert verify_chain(db).broken is None


def test_merge_is_refused_to_others_and_for_two_companies(
    client: TestClient, db: Session, world: World
) -> None:
    dup, instrument_id, _ = _duplicate(db, world)
    path = f"{API}/{world.owner_vi}/merge"
    for role in ("viewer", "inspector_a"):
        r = client.post(path, json={"duplicate_id": dup}, headers=world.auth(role))
        assert r.status_code == 403, role
    r = client.post(path, json={"duplicate_id": world.owner_vi}, headers=world.auth("admin"))
    assert r.status_code == 409
    assert r.json()["error"]["details"][0]["loc"] == ["body", "duplicate_id"]
    other = Owner(name="Petrolimex Hà Tĩnh", tax_code="3000100999")
    db.add(other)
    db.commit()
    r = client.post(
        f"{API}/{world.owner_en}/merge",
        json={"duplicate_id": other.id},
        headers=world.auth("admin"),
    )
    assert r.status_code == 409
    assert "3000100234" in r.json()["error"]["message"]
    r = client.post(path, json={"duplicate_id": 999999}, headers=world.auth("admin"))
    assert r.status_code == 404
    db.expire_all()
    instrument = db.get(Instrument, instrument_id)
    assert instrument is not None
    assert instrument.owner_id == dup  # nothing moved


def test_two_people_with_different_ids_are_not_merged_and_an_id_is_carried_over(
    client: TestClient, db: Session, world: World
) -> None:
    lan_a = Owner(name="Nguyễn Thị Lan", national_id="001234567890")
    lan_b = Owner(name="Nguyễn Thị Lan", national_id="001234567891")
    lan_c = Owner(name="NGUYEN THI LAN")
    db.add_all([lan_a, lan_b, lan_c])
    db.commit()
    a, b, c = lan_a.id, lan_b.id, lan_c.id
    admin = world.auth("admin")
    r = client.post(f"{API}/{a}/merge", json={"duplicate_id": b}, headers=admin)
    assert r.status_code == 409
    assert "hai người khác nhau" in r.json()["error"]["message_vi"]
    r = client.post(f"{API}/{c}/merge", json={"duplicate_id": b}, headers=admin)
    assert r.status_code == 200
    assert "national_id" in r.json()["filled"]
    db.expire_all()
    kept = db.get(Owner, c)
    assert kept is not None
    assert kept.national_id == "001234567891"
    assert db.get(Owner, b) is None
