"""The possible-duplicate owners page and the administrator's merge through it (issue 19,
item 5): groups found exactly, scoped for an inspector, merged with a confirmation step."""

import re
from dataclasses import dataclass
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import Role
from metrology_svc.auth.service import authenticate, create_user
from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.notices.models import Notice, NoticeKind, NoticePreference
from metrology_svc.notices.service import enqueue
from metrology_svc.owners.models import Owner
from tests.factories import World, spring_scale
from tests.metrology_svc.web.conftest import login, page_token

PAGE = "/web/owners/duplicates"


@dataclass
class Owners:
    """The owners the tests add beside the world's (Hoa, Petrolimex)."""

    hoa_again: int  # "NGUYỄN THỊ  HOA", no phone: Hoa registered twice (commune B)
    binh: int  # Trần Văn Bình, +84 903 111 222 (commune A)
    cuc: int  # Lê Thị Cúc, 0903111222: Bình's phone under another name (commune A)
    can_viet_1: int  # Công ty TNHH Cân Việt, tax code 3000111111
    can_viet_2: int  # CÔNG TY TNHH CÂN VIỆT, tax code 3000222222: another business in law
    dung_1: int  # Phạm Văn Dũng, 0911000001
    dung_2: int  # Phạm Văn Dũng, 0911000002: the phones tell the two apart


def _add(db: Session, **fields: str) -> int:
    owner = Owner(**fields)  # type: ignore[arg-type]
    db.add(owner)
    db.flush()
    assert owner.id is not None
    return owner.id


def _scale(db: Session, world: World, owner_id: int, serial: str, site_id: int) -> int:
    admin = authenticate(db, world.tokens["admin"])
    body = {**spring_scale(world, serial=serial, site_id=site_id), "owner_id": owner_id}
    instrument = create_instrument(db, admin, InstrumentCreate.model_validate(body))
    assert instrument.id is not None
    return instrument.id


def _owners(db: Session, world: World) -> Owners:
    made = Owners(
        hoa_again=_add(db, name="NGUYỄN THỊ  HOA", address="Thôn 3"),
        binh=_add(db, name="Trần Văn Bình", phone="+84 903 111 222"),
        cuc=_add(db, name="Lê Thị Cúc", phone="0903111222"),
        can_viet_1=_add(db, name="Công ty TNHH Cân Việt", tax_code="3000111111"),
        can_viet_2=_add(db, name="CÔNG TY TNHH CÂN VIỆT", tax_code="3000222222"),
        dung_1=_add(db, name="Phạm Văn Dũng", phone="0911000001"),
        dung_2=_add(db, name="Phạm Văn Dũng", phone="0911000002"),
    )
    # Hoa's first record holds a scale in commune A, her second one in commune B.
    _scale(db, world, world.owner_vi, "HOA-A", world.market_a)
    _scale(db, world, made.hoa_again, "HOA-B", world.market_b)
    _scale(db, world, made.binh, "BINH-A", world.market_a)
    _scale(db, world, made.cuc, "CUC-A", world.station_a)
    db.commit()
    return made


def _groups(html: str) -> dict[str, list[int]]:
    """Return each group on the page: its key (n: a name, p: a phone; its first owner) -> the
    owners it shows."""
    out = {}
    for part in html.split('<section class="card dup-group"')[1:]:
        section = part.split("</section>", 1)[0]
        key = re.search(r'id="group-([np]\d+)"', section)
        assert key is not None
        out[key.group(1)] = [int(i) for i in re.findall(r'id="owner-[np]\d+-(\d+)"', section)]
    return out


def test_the_groups_are_found_exactly_and_two_tax_codes_are_marked(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    login(client, db, "admin")

    page = client.get(PAGE)

    assert page.status_code == 200
    html = page.text
    assert _groups(html) == {
        f"n{world.owner_vi}": [world.owner_vi, o.hoa_again],
        f"p{o.binh}": [o.binh, o.cuc],
        f"n{o.can_viet_1}": [o.can_viet_1, o.can_viet_2],
    }
    assert "Chủ sở hữu có thể trùng" in html
    # Newest group first: Cân Việt (the last owners added), then Bình and Cúc, then Hoa.
    order = re.findall(r'id="group-([np]\d+)"', html)
    assert order == [f"n{o.can_viet_1}", f"p{o.binh}", f"n{world.owner_vi}"]
    cards = html.split('<section class="card dup-group"')
    can_viet = cards[1]
    assert can_viet.count("mã số thuế khác nhau — không gộp được") == 2
    assert f'id="unmergeable-n{o.can_viet_1}"' in can_viet
    assert 'name="keep"' not in can_viet  # two businesses in law: no merge offered
    assert "3000111111" in can_viet  # the administrator sees the tax codes
    hoa = cards[3]
    assert "cùng tên" in hoa
    assert "Sạp thịt Hoa" in hoa
    assert "0912345678" in hoa
    assert "Chợ Kỳ Anh" in hoa
    assert "Chợ Kỳ Đồng" in hoa
    assert f'href="/web/instruments?owner_id={o.hoa_again}"' in hoa
    assert f'id="keep-n{world.owner_vi}-{world.owner_vi}"' in hoa
    assert f'id="keep-n{world.owner_vi}-{o.hoa_again}"' in hoa
    assert re.search(r"\d{2}/\d{2}/\d{4}", hoa)  # created, dd/mm/yyyy
    binh = cards[2]
    assert "cùng số điện thoại" in binh
    assert "cùng tên" not in binh
    assert "mã số thuế khác nhau" not in binh + hoa
    assert "Phạm Văn Dũng" not in html  # one name, two phones: two people
    assert 'id="admin-merges"' not in html


def test_an_inspector_sees_only_owners_whose_instruments_all_lie_in_their_units(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    login(client, db, "inspector_a")
    html = client.get(PAGE).text
    # Hoa's second record is in commune B: that group is not commune A's to see. Owners with
    # no instrument anywhere lie in no other area (as for their contact data).
    assert _groups(html) == {
        f"p{o.binh}": [o.binh, o.cuc],
        f"n{o.can_viet_1}": [o.can_viet_1, o.can_viet_2],
    }
    assert "Chỉ quản trị viên được gộp chủ sở hữu" in html
    assert 'href="/web/owners/duplicates"' in client.get("/web/").text  # in the menu
    assert 'name="keep"' not in html
    assert "3000111111" in html  # an inspector sees the tax codes of the area's owners

    login(client, db, "inspector_b")
    assert _groups(client.get(PAGE).text) == {f"n{o.can_viet_1}": [o.can_viet_1, o.can_viet_2]}

    login(client, db, "viewer")
    seen = client.get(f"{PAGE}?lang=en").text
    assert set(_groups(seen)) == {f"n{world.owner_vi}", f"p{o.binh}", f"n{o.can_viet_1}"}
    assert "Possible duplicate owners" in seen
    assert "Only an administrator merges owners" in seen
    assert "3000111111" not in seen  # a viewer sees that there is a tax code, not the code
    assert "different tax codes — cannot be merged" in seen


def test_an_administrator_merges_through_the_page_with_a_confirmation(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    moved = db.exec(select(Instrument.id).where(Instrument.owner_id == o.hoa_again)).one()
    assert moved is not None
    enqueue(
        db,
        kind=NoticeKind.LOST_STAMP,
        instrument_id=moved,
        due_date=date(2026, 12, 1),
        now=utcnow(),
    )
    db.add(NoticePreference(owner_id=o.hoa_again, email="hoa.b@example.com"))
    create_user(
        db,
        name="Hoa",
        email="hoa.b@example.com",
        role=Role.OWNER,
        unit_codes=[],
        owner_id=o.hoa_again,
    )
    db.commit()
    login(client, db, "admin")

    # The group's form asks for the confirmation of a merge into the chosen owner.
    query = f"keep={world.owner_vi}&duplicate={world.owner_vi}&duplicate={o.hoa_again}"
    confirm = client.get(f"/web/owners/merge?{query}")

    assert confirm.status_code == 200
    text = confirm.text
    assert "Xác nhận gộp chủ sở hữu" in text
    assert f'id="pick-{o.hoa_again}"' in text
    assert f'id="pick-{world.owner_vi}"' not in text
    moves = re.search(rf'id="moves-{o.hoa_again}">([^<]*)<', text)
    assert moves is not None
    assert moves.group(1) == (
        "Phương tiện đo: 1, thông báo: 1, kênh nhận thông báo: 1, "
        "tài khoản cổng chủ sở hữu: 1, quyết định kiểm tra: 0"
    )
    assert "địa chỉ" in text  # Hoa's empty address is filled from the duplicate
    assert db.get(Owner, o.hoa_again) is not None  # nothing changed yet

    done = client.post(
        "/web/owners/merge",
        data={
            "keep": str(world.owner_vi),
            "duplicate": [str(o.hoa_again)],
            "csrf": page_token(confirm),
        },
        follow_redirects=False,
    )

    assert done.status_code == 303
    assert done.headers["location"] == f"{PAGE}?merged=1&into={world.owner_vi}&offset=0"
    db.expire_all()
    assert db.get(Owner, o.hoa_again) is None
    instrument = db.get(Instrument, moved)
    assert instrument is not None
    assert instrument.owner_id == world.owner_vi
    event = db.exec(
        select(InstrumentEvent).where(
            InstrumentEvent.instrument_id == moved, InstrumentEvent.kind == "transferred"
        )
    ).one()
    assert event.detail["reason"] == "owner_merge"
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "owner.merge")).one()
    assert (record.entity, record.entity_id) == ("owner", world.owner_vi)
    assert record.detail["duplicate_id"] == o.hoa_again
    assert record.detail["instrument_ids"] == [moved]
    assert (record.detail["notices"], record.detail["accounts"]) == (1, 1)
    notice = db.exec(select(Notice).where(Notice.instrument_id == moved)).one()
    assert notice.owner_id == world.owner_vi
    assert record.detail["merged_owner"]["name"] == "NGUYỄN THỊ  HOA"
    after = client.get(done.headers["location"]).text
    assert f"Đã gộp 1 chủ sở hữu vào chủ số {world.owner_vi}." in after
    assert f"n{world.owner_vi}" not in _groups(after)


def test_a_merge_of_two_tax_codes_is_offered_nowhere_and_refused(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    login(client, db, "admin")
    query = f"keep={o.can_viet_1}&duplicate={o.can_viet_2}"
    confirm = client.get(f"/web/owners/merge?{query}")
    assert confirm.status_code == 200
    assert "mã số thuế khác nhau — không gộp được" in confirm.text
    assert 'id="confirm"' not in confirm.text
    assert 'name="duplicate"' not in confirm.text
    refused = client.post(
        "/web/owners/merge",
        data={
            "keep": str(o.can_viet_1),
            "duplicate": str(o.can_viet_2),
            "csrf": page_token(confirm),
        },
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "mã số thuế khác nhau" in refused.text
    db.expire_all()
    assert db.get(Owner, o.can_viet_2) is not None
    audited = db.exec(select(AuditRecord).where(col(AuditRecord.action) == "owner.merge")).all()
    assert audited == []


def test_a_merge_by_a_non_administrator_or_without_the_token_is_refused(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    body = {"keep": str(o.binh), "duplicate": str(o.cuc)}
    token = login(client, db, "inspector_a")  # both owners lie in the inspector's commune
    refused = client.post("/web/owners/merge", data={**body, "csrf": token}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Chỉ quản trị viên" in refused.text
    assert client.get(f"/web/owners/merge?keep={o.binh}&duplicate={o.cuc}").status_code == 403

    login(client, db, "admin")
    no_token = client.post("/web/owners/merge", data=body, follow_redirects=False)
    assert no_token.status_code == 403
    assert "mã bảo vệ biểu mẫu" in no_token.text
    db.expire_all()
    assert db.get(Owner, o.cuc) is not None


def test_a_merge_with_nothing_chosen_or_an_unknown_owner_changes_nothing(
    client: TestClient, db: Session, world: World
) -> None:
    o = _owners(db, world)
    token = login(client, db, "admin")
    nothing = client.post(
        "/web/owners/merge", data={"keep": str(o.binh), "csrf": token}, follow_redirects=False
    )
    assert nothing.status_code == 422
    unknown = client.post(
        "/web/owners/merge",
        data={"keep": str(o.binh), "duplicate": "99999", "csrf": token},
        follow_redirects=False,
    )
    assert unknown.status_code == 404
    junk = client.get(f"/web/owners/merge?keep={o.binh}&duplicate={'9' * 5000}")
    assert junk.status_code == 422
