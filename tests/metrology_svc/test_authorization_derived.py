"""Objects whose scope is derived, not stored: the class of bug the route × role × scope matrix
missed (issue 17). The matrix gives each record one unit; these records take theirs from others:

- an owner: from every instrument they hold (an owner in two communes is in neither alone);
- a notice: from its instrument for staff, from the owner it was made to for owner accounts;
- a stamp flag: from its stamp's instrument's site now (it follows a move);
- a device: from its market.

An inspector of commune A (18754) faces an owner with scales in A and in B (18781): refused on
the owner's contact data, notice channels and name (403, Vietnamese and English), nothing
changed and nothing audited; an administrator is allowed, and audited.
"""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticeKind, NoticePreference
from metrology_svc.notices.service import enqueue
from metrology_svc.owners.models import Owner
from metrology_svc.readings.models import Device
from metrology_svc.stamps.models import FlagKind, StampFlag
from tests.factories import World, spring_scale
from tests.metrology_svc.stamps.support import issued

API = "/api/v1"
CONTACT = {"phone": "0987654321", "address": "Số 5 đường Lê Lợi", "language": "en"}
CHANNELS = {
    "email": "probe@example.net",
    "webhook_url": "https://probe.example.net/hook",
    "webhook_secret": "a-long-shared-secret",
}


def _audits(db: Session, *, entity: str, entity_id: int, action: str) -> list[AuditRecord]:
    db.expire_all()
    stmt = select(AuditRecord).where(
        AuditRecord.entity == entity, AuditRecord.entity_id == entity_id
    )
    rows = db.exec(stmt.where(AuditRecord.action == action).order_by(col(AuditRecord.seq)))
    return list(rows)


def _scale(client: TestClient, world: World, *, owner_id: int, site_id: int, serial: str) -> int:
    body = {**spring_scale(world, serial=serial, site_id=site_id), "owner_id": owner_id}
    r = client.post(f"{API}/instruments", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    found: int = r.json()["id"]
    return found


@pytest.fixture
def spread(client: TestClient, world: World) -> dict[str, int]:
    """owner_vi holds a scale in commune A and one in commune B; a new owner only in A."""
    _scale(client, world, owner_id=world.owner_vi, site_id=world.market_a, serial="HAI-A")
    _scale(client, world, owner_id=world.owner_vi, site_id=world.market_b, serial="HAI-B")
    made = client.post(
        f"{API}/owners",
        json={"name": "Lê Văn Tâm", "trade_name": "Sạp cá Tâm", "phone": "0911222333"},
        headers=world.auth("inspector_a"),
    )
    assert made.status_code == 201, made.text
    only_a = made.json()["id"]
    _scale(client, world, owner_id=only_a, site_id=world.market_a, serial="TAM-A")
    return {"both": world.owner_vi, "only_a": only_a}


def _refused_in_both_languages(r: Any) -> None:
    assert r.status_code == 403, r.text
    error = r.json()["error"]
    assert error["message"] != error["message_vi"]
    assert error["message"]
    assert error["message_vi"]


@pytest.mark.parametrize("inspector", ["inspector_a", "inspector_b"])
def test_an_inspector_of_one_commune_cannot_change_an_owner_of_two(
    client: TestClient, db: Session, world: World, spread: dict[str, int], inspector: str
) -> None:
    owner_id, auth = spread["both"], world.auth(inspector)
    before = client.get(f"{API}/owners/{owner_id}", headers=auth).json()
    r = client.patch(f"{API}/owners/{owner_id}", json=CONTACT, headers=auth)
    _refused_in_both_languages(r)
    assert "địa bàn" in r.json()["error"]["message_vi"]
    assert "jurisdiction" in r.json()["error"]["message"]
    r = client.patch(f"{API}/owners/{owner_id}", json={"name": "Tên giả"}, headers=auth)
    _refused_in_both_languages(r)
    r = client.put(f"{API}/notices/preferences/{owner_id}", json=CHANNELS, headers=auth)
    _refused_in_both_languages(r)
    assert client.get(f"{API}/owners/{owner_id}", headers=auth).json() == before
    db.expire_all()
    assert db.get(NoticePreference, owner_id) is None
    for action in ("owner.update", "notice.preferences"):
        assert _audits(db, entity="owner", entity_id=owner_id, action=action) == []


def test_an_admin_changes_an_owner_of_two_communes_and_it_is_audited(
    client: TestClient, db: Session, world: World, spread: dict[str, int]
) -> None:
    owner_id, auth = spread["both"], world.auth("admin")
    r = client.patch(f"{API}/owners/{owner_id}", json=CONTACT, headers=auth)
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["address"]) == (CONTACT["phone"], CONTACT["address"])
    r = client.patch(f"{API}/owners/{owner_id}", json={"name": "Nguyễn Thị Hoà"}, headers=auth)
    assert r.status_code == 200, r.text
    r = client.put(f"{API}/notices/preferences/{owner_id}", json=CHANNELS, headers=auth)
    assert r.status_code == 200, r.text
    updates = _audits(db, entity="owner", entity_id=owner_id, action="owner.update")
    assert [u.detail["identity"] for u in updates] == [False, True]
    assert updates[0].detail["address"] == {"from": "", "to": CONTACT["address"]}
    assert updates[1].detail["name"] == {"from": "Nguyễn Thị Hoa", "to": "Nguyễn Thị Hoà"}
    assert updates[1].actor == "Test admin"
    channels = _audits(db, entity="owner", entity_id=owner_id, action="notice.preferences")
    assert [c.detail["email"] for c in channels] == [CHANNELS["email"]]


def test_an_inspector_of_every_commune_of_the_owner_changes_contact_not_identity(
    client: TestClient, db: Session, world: World, spread: dict[str, int]
) -> None:
    owner_id, auth = spread["only_a"], world.auth("inspector_a")
    r = client.patch(f"{API}/owners/{owner_id}", json=CONTACT, headers=auth)
    assert r.status_code == 200, r.text
    r = client.put(f"{API}/notices/preferences/{owner_id}", json=CHANNELS, headers=auth)
    assert r.status_code == 200, r.text
    for identity in ({"name": "Tên khác"}, {"trade_name": "Sạp khác"}, {"kind": "company"}):
        r = client.patch(f"{API}/owners/{owner_id}", json=identity, headers=auth)
        _refused_in_both_languages(r)
        assert "quản trị viên" in r.json()["error"]["message_vi"]
    r = client.patch(f"{API}/owners/{owner_id}", json={"tax_code": "3000999888"}, headers=auth)
    _refused_in_both_languages(r)
    # A form sending the name back unchanged is no identity change.
    same = {"name": "Lê Văn Tâm", "phone": "0911000111"}
    assert client.patch(f"{API}/owners/{owner_id}", json=same, headers=auth).status_code == 200
    owner = db.get(Owner, owner_id)
    db.refresh(owner)
    assert owner is not None
    assert (owner.name, owner.trade_name) == ("Lê Văn Tâm", "Sạp cá Tâm")
    # The inspector of the other commune holds none of this owner's scales.
    r = client.patch(f"{API}/owners/{owner_id}", json=CONTACT, headers=world.auth("inspector_b"))
    _refused_in_both_languages(r)
    updates = _audits(db, entity="owner", entity_id=owner_id, action="owner.update")
    assert len(updates) == 2
    assert all(not u.detail["identity"] for u in updates)


def test_the_owner_scope_follows_the_instruments(
    client: TestClient, world: World, spread: dict[str, int]
) -> None:
    """A scale handed to the owner from commune B takes the owner out of inspector A's reach;
    its move back into commune A brings the owner back."""
    owner_id, auth = spread["only_a"], world.auth("inspector_a")
    moved = _scale(client, world, owner_id=world.owner_en, site_id=world.market_b, serial="M-1")
    r = client.patch(
        f"{API}/instruments/{moved}", json={"owner_id": owner_id}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    r = client.patch(f"{API}/owners/{owner_id}", json={"phone": "0911000222"}, headers=auth)
    _refused_in_both_languages(r)
    r = client.patch(
        f"{API}/instruments/{moved}", json={"site_id": world.market_a}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    r = client.patch(f"{API}/owners/{owner_id}", json={"phone": "0911000222"}, headers=auth)
    assert r.status_code == 200, r.text


def test_viewers_and_owner_accounts_change_no_owner(
    client: TestClient, world: World, spread: dict[str, int]
) -> None:
    body = {"name": "Chủ", "email": "chu@example.vn", "role": "owner", "owner_id": spread["both"]}
    made = client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    assert made.status_code == 201, made.text
    portal = {"Authorization": f"Bearer {made.json()['token']}"}
    for auth in (world.auth("viewer"), portal):
        r = client.patch(f"{API}/owners/{spread['both']}", json=CONTACT, headers=auth)
        assert r.status_code == 403
        r = client.put(f"{API}/notices/preferences/{spread['both']}", json=CHANNELS, headers=auth)
        assert r.status_code == 403


def test_a_notice_takes_its_scope_from_its_instrument_and_its_owner(
    client: TestClient, db: Session, world: World, spread: dict[str, int]
) -> None:
    ids = {}
    for serial, site in (("HAI-A", world.market_a), ("HAI-B", world.market_b)):
        instrument = db.exec(select(Instrument).where(Instrument.serial == serial)).one()
        assert instrument.site_id == site
        assert enqueue(
            db,
            kind=NoticeKind.LOST_STAMP,
            instrument_id=instrument.id or 0,
            due_date=date(2026, 12, 1),
            now=datetime(2026, 12, 1, 2, tzinfo=UTC),
        )
        db.commit()
        notice = db.exec(select(Notice).where(Notice.instrument_id == instrument.id)).one()
        ids[serial] = notice.id
    insp = world.auth("inspector_a")
    assert client.get(f"{API}/notices/{ids['HAI-A']}", headers=insp).status_code == 200
    for path in (f"{API}/notices/{ids['HAI-B']}", f"{API}/notices/{ids['HAI-B']}/letter.pdf"):
        assert client.get(path, headers=insp).status_code == 403, path
    assert (
        client.get(f"{API}/notices/{ids['HAI-B']}", headers=world.auth("inspector_b")).status_code
        == 200
    )


def test_a_flag_follows_its_instrument_when_it_moves(
    client: TestClient, db: Session, world: World
) -> None:
    stamp = issued(client, world, serial="FLAG-1", site_id=world.market_a)
    flag = StampFlag(stamp_id=stamp["id"], kind=FlagKind.FAR_FROM_SITE)
    db.add(flag)
    db.commit()
    a, b = world.auth("inspector_a"), world.auth("inspector_b")
    assert [f["id"] for f in client.get(f"{API}/stamps/flags", headers=b).json()] == []
    assert client.post(f"{API}/stamps/flags/{flag.id}/resolve", headers=b).status_code == 403
    r = client.patch(
        f"{API}/instruments/{stamp['instrument_id']}",
        json={"site_id": world.market_b},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    assert [f["id"] for f in client.get(f"{API}/stamps/flags", headers=a).json()] == []
    assert client.post(f"{API}/stamps/flags/{flag.id}/resolve", headers=a).status_code == 403
    assert client.post(f"{API}/stamps/flags/{flag.id}/resolve", headers=b).status_code == 200


def test_a_device_is_seen_only_through_its_market(
    client: TestClient, db: Session, world: World
) -> None:
    scale = _scale(client, world, owner_id=world.owner_en, site_id=world.market_b, serial="CDC-B")
    db.add(
        Device(id="cs-derived-b", instrument_id=scale, site_id=world.market_b, credential_hash="x")
    )
    db.commit()
    a = world.auth("inspector_a")
    assert client.get(f"{API}/sites/{world.market_b}/devices", headers=a).status_code == 403
    here = client.get(f"{API}/sites/{world.market_a}/devices", headers=a)
    assert here.status_code == 200, here.text
    assert "cs-derived-b" not in {d["id"] for d in here.json()}
    there = client.get(f"{API}/sites/{world.market_b}/devices", headers=world.auth("inspector_b"))
    assert "cs-derived-b" in {d["id"] for d in there.json()}
