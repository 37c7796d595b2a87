"""Accounts scoped to 2004 units move to the 2025 units that succeeded them, and are told."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import AccountMessage, Role, UserUnit
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.auth.service import authenticate, create_user
from metrology_svc.rehoming.service import rehome
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import SuccessionShare, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit
from tests.factories import World
from tests.metrology_svc.rehoming.support import (
    DISTRICT_449_SUCCESSORS,
    KY_LOI_SUCCESSORS,
    make_old,
    succeed,
    unit,
)


def _scoped(db: Session, email: str) -> tuple[int, str]:
    """Make an inspector (scoped to a 2025 commune for now); return its id and token."""
    issued = create_user(
        db, name=f"KĐV {email}", email=email, role=Role.INSPECTOR, unit_codes=["18754"]
    )
    user_id = issued.user.id or 0
    for link in db.exec(select(UserUnit).where(UserUnit.user_id == user_id)).all():
        db.delete(link)  # as accounts stood before the upgrade: scoped to old units only
    db.flush()
    return user_id, issued.token


def _codes(db: Session, user_id: int) -> set[str]:
    ids = AuthRepository(db).scope_unit_ids(user_id)
    return {f"{u.scheme}:{u.code}" for u in UnitRepository(db).by_ids(list(ids)).values()}


def test_district_commune_and_province_scopes_move_to_their_successors(
    db: Session, world: World
) -> None:
    old = make_old(db)
    district, _ = _scoped(db, "huyen@tdc.example.vn")
    commune, _ = _scoped(db, "xa@tdc.example.vn")
    province, _ = _scoped(db, "tinh@tdc.example.vn")
    lost, _ = _scoped(db, "thu@tdc.example.vn")
    old.scope(db, district, "449")
    old.scope(db, commune, "18796")
    old.scope(db, commune, "18754")  # two old communes, one account
    old.scope(db, province, "42")
    old.scope(db, lost, "99901")

    result = rehome(db)

    assert _codes(db, district) == {f"2025:{c}" for c in DISTRICT_449_SUCCESSORS}
    assert _codes(db, commune) == {f"2025:{c}" for c in KY_LOI_SUCCESSORS}
    assert _codes(db, province) == {"2025:42"}
    assert _codes(db, lost) == {"2004:99901"}  # nothing known: left as it was, and listed
    assert [c.user_id for c in result.scopes_without_succession] == [lost]
    assert result.counts["scopes_migrated"] == 4  # links: 449, 18796, 18754, 42
    changed = {c.user_id for c in result.scopes_migrated}
    assert changed == {district, commune, province}
    messages = db.exec(select(AccountMessage).order_by(col(AccountMessage.user_id))).all()
    assert sorted(m.user_id for m in messages) == sorted([district, commune, province])
    told = next(m for m in messages if m.user_id == commune)
    assert "Xã Kỳ Lợi (18796), danh mục 2004 →" in told.text_vi
    assert "Phường Hưng Trí (18754)" in told.text_vi
    assert "Phường Vũng Áng (18823)" in told.text_vi
    assert "Your scope has been moved" in told.text_en
    assert "Phường Hoành Sơn (18832)" in told.text_en
    assert "1665/NQ-UBTVQH15" in told.text_en
    audits = db.exec(select(AuditRecord).where(AuditRecord.action == "user.scope_migrate")).all()
    assert sorted(a.entity_id or 0 for a in audits) == sorted([district, commune, province])
    assert rehome(db).scopes_migrated == []  # idempotent


def test_the_account_sees_the_message_until_it_marks_it_read(
    client: TestClient, db: Session, world: World
) -> None:
    old = make_old(db)
    user_id, token = _scoped(db, "huyen@tdc.example.vn")
    old.scope(db, user_id, "449")
    rehome(db)
    db.commit()
    me = {"Authorization": f"Bearer {token}"}

    body = client.get("/api/v1/users/me", headers=me).json()

    assert len(body["messages"]) == 1
    message = body["messages"][0]
    assert "Thị xã Kỳ Anh (449)" in message["text_vi"]
    assert "Thị xã Kỳ Anh (449)" in message["text_en"]
    assert set(body["unit_paths"]) == {"42/18754/", "42/18781/", "42/18823/", "42/18832/"}
    other = client.post(
        f"/api/v1/users/me/messages/{message['id']}/read", headers=world.auth("inspector_a")
    )
    assert other.status_code == 404  # another account's message is none of theirs
    read = client.post(f"/api/v1/users/me/messages/{message['id']}/read", headers=me)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/users/me", headers=me).json()["messages"] == []
    again = client.post(f"/api/v1/users/me/messages/{message['id']}/read", headers=me)
    assert again.json()["read_at"] == read.json()["read_at"]


def test_a_province_covers_the_old_provinces_merged_into_it(db: Session, world: World) -> None:
    # Hà Giang (02) went into Tuyên Quang (08) on 01/07/2025; its un-rehomed sites stay
    # visible to the staff of Tuyên Quang, not to another province's.
    ha_giang = create_unit(
        db,
        AdminUnitCreate(code="02", name="Tỉnh Hà Giang", level=UnitLevel.PROVINCE, scheme="2004"),
    )
    district = create_unit(
        db,
        AdminUnitCreate(
            code="998", name="Huyện Cũ", level=UnitLevel.DISTRICT, scheme="2004", parent_code="02"
        ),
    )
    assert district.path == "02/998/"
    succeed(db, ha_giang, unit(db, "08", "2025"), SuccessionShare.WHOLE, default=True)
    tuyen_quang = create_user(
        db, name="Sở TQ", email="tq@tdc.example.vn", role=Role.INSPECTOR, unit_codes=["08"]
    )
    ha_tinh = create_user(
        db, name="Sở HT", email="ht@tdc.example.vn", role=Role.INSPECTOR, unit_codes=["42"]
    )
    commune_only = authenticate(db, world.tokens["inspector_a"])

    tq = authenticate(db, tuyen_quang.token)
    ht = authenticate(db, ha_tinh.token)

    assert set(tq.unit_paths) == {"08/", "02/"}
    assert tq.covers("02/998/")
    assert not ht.covers("02/998/")
    assert ht.unit_paths == ("42/",)
    assert commune_only.unit_paths == ("42/18754/",)  # a commune: its own path only


def test_a_run_for_a_province_takes_in_the_old_provinces_merged_into_it(
    db: Session, world: World
) -> None:
    ha_giang = create_unit(
        db,
        AdminUnitCreate(code="02", name="Tỉnh Hà Giang", level=UnitLevel.PROVINCE, scheme="2004"),
    )
    succeed(db, ha_giang, unit(db, "08", "2025"), SuccessionShare.WHOLE, default=True)
    db.add(Site(kind=SiteKind.MARKET, name="Chợ Hà Giang", unit_id=ha_giang.id or 0))
    user_id, _token = _scoped(db, "hg@tdc.example.vn")
    db.add(UserUnit(user_id=user_id, unit_id=ha_giang.id or 0))
    db.flush()

    elsewhere = rehome(db, province_code="42", dry_run=True)
    result = rehome(db, province_code="08")

    assert elsewhere.sites_checked == 0
    assert elsewhere.scopes_migrated == []
    assert result.sites_checked == 1
    # A site on the province itself: a case over the communes of Tuyên Quang.
    assert [c.site_name for c in result.cases_opened] == ["Chợ Hà Giang"]
    assert _codes(db, user_id) == {"2025:08"}
