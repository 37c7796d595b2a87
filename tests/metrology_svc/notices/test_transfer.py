"""Data that changes hands: after an instrument changes owner, a notice, its letter and its
deliveries stay the recipient's at the time the notice was made (the snapshot it keeps).

Both owners have portal accounts; the old owner reads the old notice with the name and
address it was written to (even after the owner's record changes), the new owner sees only
the notices made after the transfer, and the transfer is an audited event."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.service import verify_chain
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.notices.models import Notice, NoticeDelivery, NoticeKind, NoticePreference
from metrology_svc.notices.service import enqueue, render
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World, spring_scale
from tests.schedules.support import FakeClock

pdfplumber = pytest.importorskip("pdfplumber")

API = "/api/v1"
DUE = date(2027, 3, 31)
OLD_ADDRESS = "Kiot A-17, chợ Kỳ Anh"
NEW_ADDRESS = "Kho B-42, khu công nghiệp Vũng Áng"


def _portal(client: TestClient, world: World, owner_id: int) -> dict[str, str]:
    body = {"name": "Chủ", "email": f"chu{owner_id}@example.vn", "role": "owner"}
    r = client.post(
        f"{API}/users", json={**body, "owner_id": owner_id}, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _letter_text(client: TestClient, notice_id: int, auth: dict[str, str], tmp: Any) -> str:
    r = client.get(f"{API}/notices/{notice_id}/letter.pdf", headers=auth)
    assert r.status_code == 200, r.text
    path = tmp / f"letter-{notice_id}.pdf"
    path.write_bytes(r.content)
    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join(p.extract_text() or "" for p in pdf.pages).split())


@pytest.fixture
def transferred(
    client: TestClient, db: Session, world: World, settings: Settings
) -> dict[str, Any]:
    """A scale of owner_vi recalled (the old notice), then handed to owner_en by inspector A,
    then a lost-stamp notice made after the transfer (the new notice)."""
    for owner_id, address, email in [
        (world.owner_vi, OLD_ADDRESS, "hoa@example.vn"),
        (world.owner_en, NEW_ADDRESS, "ops@example.com"),
    ]:
        owner = db.get(Owner, owner_id)
        assert owner is not None
        owner.address = address
        db.add(NoticePreference(owner_id=owner_id, email=email, letter=True))
    db.commit()
    admin = world.auth("admin")
    made = client.post(
        f"{API}/instruments", json=spring_scale(world, serial="CK-01"), headers=admin
    )
    assert made.status_code == 201, made.text
    scale = made.json()["id"]
    clock = FakeClock(DUE + timedelta(days=1))
    instrument = db.get(Instrument, scale)  # a verification set this due date, long ago
    assert instrument is not None
    instrument.due_date = DUE
    db.add(instrument)
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()
    old = db.exec(select(Notice).where(Notice.instrument_id == scale)).one()
    r = client.patch(
        f"{API}/instruments/{scale}",
        json={"owner_id": world.owner_en},
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 200, r.text
    clock.advance(days=2)
    assert enqueue(
        db, kind=NoticeKind.LOST_STAMP, instrument_id=scale, due_date=clock().date(), now=clock()
    )
    db.commit()
    new = db.exec(select(Notice).where(Notice.kind == NoticeKind.LOST_STAMP)).one()
    return {
        "scale": scale,
        "old": old,
        "new": new,
        "old_owner": _portal(client, world, world.owner_vi),
        "new_owner": _portal(client, world, world.owner_en),
    }


def test_each_notice_keeps_the_recipient_it_was_made_for(
    db: Session, world: World, transferred: dict[str, Any]
) -> None:
    old, new = transferred["old"], transferred["new"]
    assert (old.owner_id, old.recipient_name, old.recipient_address, old.site_name) == (
        world.owner_vi,
        "Nguyễn Thị Hoa",
        OLD_ADDRESS,
        "Chợ Kỳ Anh",
    )
    assert (new.owner_id, new.recipient_name, new.recipient_address) == (
        world.owner_en,
        "Petrolimex Hà Tĩnh",
        NEW_ADDRESS,
    )
    # Each notice's deliveries went to its own owner's channels, and stay there.
    destinations = {
        n.id: {
            d.destination
            for d in db.exec(select(NoticeDelivery).where(NoticeDelivery.notice_id == n.id))
        }
        for n in (old, new)
    }
    assert "hoa@example.vn" in destinations[old.id]
    assert "ops@example.com" not in destinations[old.id]
    assert destinations[new.id] >= {"ops@example.com"}
    assert "hoa@example.vn" not in destinations[new.id]


def test_the_old_owner_sees_the_old_notice_as_it_was_written(
    client: TestClient, db: Session, world: World, transferred: dict[str, Any], tmp_path: Any
) -> None:
    old, new, auth = transferred["old"], transferred["new"], transferred["old_owner"]
    # The owner's record changes after the notice: the notice keeps what it was written to.
    r = client.patch(
        f"{API}/owners/{world.owner_vi}",
        json={"address": "Địa chỉ mới sau khi chuyển"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    shown = client.get(f"{API}/notices/{old.id}", headers=auth)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["recipient_name"], shown.json()["recipient_address"]) == (
        "Nguyễn Thị Hoa",
        OLD_ADDRESS,
    )
    text = _letter_text(client, old.id, auth, tmp_path)
    assert "Nguyễn Thị Hoa" in text
    assert "Kiot A-17" in text
    assert "Petrolimex" not in text
    assert "Kho B-42" not in text
    assert "Địa chỉ mới" not in text
    listed = client.get(
        f"{API}/notices", params={"instrument_id": transferred["scale"]}, headers=auth
    )
    assert listed.status_code == 200, listed.text
    assert [n["id"] for n in listed.json()] == [old.id]
    assert client.get(f"{API}/notices/{new.id}", headers=auth).status_code == 403
    assert client.get(f"{API}/notices/{new.id}/letter.pdf", headers=auth).status_code == 403
    # The instrument itself is no longer the old owner's.
    assert client.get(f"{API}/instruments/{transferred['scale']}", headers=auth).status_code == 403


def test_the_new_owner_sees_only_what_was_made_after_the_transfer(
    client: TestClient, world: World, transferred: dict[str, Any], tmp_path: Any
) -> None:
    old, new, auth = transferred["old"], transferred["new"], transferred["new_owner"]
    refused = client.get(f"{API}/notices/{old.id}", headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["message_vi"]
    assert client.get(f"{API}/notices/{old.id}/letter.pdf", headers=auth).status_code == 403
    listed = client.get(
        f"{API}/notices", params={"instrument_id": transferred["scale"]}, headers=auth
    )
    assert [n["id"] for n in listed.json()] == [new.id]
    text = _letter_text(client, new.id, auth, tmp_path)
    assert "Petrolimex Hà Tĩnh" in text
    assert "Kho B-42" in text
    assert "Nguyễn Thị Hoa" not in text
    assert "Kiot A-17" not in text


def test_staff_letters_and_messages_use_the_snapshot(
    client: TestClient,
    db: Session,
    world: World,
    settings: Settings,
    transferred: dict[str, Any],
    tmp_path: Any,
) -> None:
    old = transferred["old"]
    text = _letter_text(client, old.id, world.auth("admin"), tmp_path)
    assert "Nguyễn Thị Hoa" in text
    assert "Petrolimex" not in text
    rendered = render(db, old, settings=settings, letter=False)
    assert "Kính gửi: Nguyễn Thị Hoa" in rendered.body
    assert "Petrolimex" not in rendered.body
    assert rendered.payload["recipient"] == "Nguyễn Thị Hoa"
    assert rendered.payload["recipient_address"] == OLD_ADDRESS
    # The staff list of the instrument keeps both notices (the record is the office's).
    listed = client.get(
        f"{API}/notices",
        params={"instrument_id": transferred["scale"]},
        headers=world.auth("inspector_a"),
    )
    assert {n["id"] for n in listed.json()} == {old.id, transferred["new"].id}


def test_a_transfer_is_an_audited_event(
    db: Session, world: World, transferred: dict[str, Any]
) -> None:
    scale = transferred["scale"]
    records = db.exec(
        select(AuditRecord)
        .where(AuditRecord.entity == "instrument", AuditRecord.entity_id == scale)
        .where(AuditRecord.action == "instrument.transfer")
    ).all()
    assert len(records) == 1
    assert records[0].actor == "Test inspector_a"
    assert records[0].detail["from_owner_id"] == world.owner_vi
    assert records[0].detail["to_owner_id"] == world.owner_en
    events = db.exec(
        select(InstrumentEvent)
        .where(InstrumentEvent.instrument_id == scale, InstrumentEvent.kind == "transferred")
        .order_by(col(InstrumentEvent.id))
    ).all()
    assert [(e.detail["from_owner_id"], e.detail["to_owner_id"]) for e in events] == [
        (world.owner_vi, world.owner_en)
    ]
    assert verify_chain(db).broken is None


def test_new_channels_of_the_new_owner_do_not_take_the_old_notices(
    client: TestClient, db: Session, world: World, transferred: dict[str, Any]
) -> None:
    old = transferred["old"]
    r = client.put(
        f"{API}/notices/preferences/{world.owner_en}",
        json={"email": "moi@example.com"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    to_old = db.exec(
        select(NoticeDelivery.destination).where(NoticeDelivery.notice_id == old.id)
    ).all()
    assert "moi@example.com" not in to_old
