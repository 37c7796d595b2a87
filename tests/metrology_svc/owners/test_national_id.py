"""An owner's national ID (CCCD 12 digits, old CMND 9): normalised, unique, personal data.

Stored as digits only whatever spaces and dots it was typed with; anything but 9 or 12 digits
is refused with the reason in Vietnamese and English. Only administrators read it, find an
owner by it or change it (audited); an inspector may give it with a new owner and is answered
without it.
"""

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.owners.matching import (
    NotNationalId,
    loose_name,
    names_differ,
    national_id_from_number,
    normalise_national_id,
)
from metrology_svc.owners.models import Owner
from tests.factories import World

API = "/api/v1/owners"
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=20)
SEPARATORS = st.sampled_from([" ", ".", "  ", "\u00a0", ". "])


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """The digits as a list may write them: separators between some of them."""
    out = []
    for d in digits:
        out.append(d)
        if draw(st.booleans()):
            out.append(draw(SEPARATORS))
    return "".join(out)


@given(st.sampled_from([9, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
       .flatmap(lambda d: st.tuples(st.just(d), written(d))))  # fmt: skip
def test_spaces_and_dots_are_dropped_and_the_digits_kept(case: tuple[str, str]) -> None:
    digits, typed = case
    assert normalise_national_id(typed) == digits
    assert normalise_national_id(f" {typed} ") == digits
    assert normalise_national_id(digits) == digits  # the stored form reads as itself


@given(DIGITS.filter(lambda d: len(d) not in (9, 12)))
def test_other_lengths_are_refused_saying_how_many_digits(digits: str) -> None:
    with pytest.raises(NotNationalId) as refused:
        normalise_national_id(digits)
    assert f"có {len(digits)} chữ số" in refused.value.vi
    assert f"this one has {len(digits)}" in refused.value.en


@given(
    st.text("0123456789", min_size=12, max_size=12),
    st.integers(0, 11),
    st.characters(exclude_categories=["Nd", "Zs", "Cc"], exclude_characters="."),
)
def test_a_character_that_is_not_a_digit_is_refused(digits: str, at: int, other: str) -> None:
    with pytest.raises(NotNationalId) as refused:
        normalise_national_id(digits[:at] + other + digits[at:])
    assert refused.value.en == "A national ID holds digits only (spaces and dots are ignored)"


@given(st.text("0123456789", min_size=1, max_size=12).map(lambda d: d.zfill(12)))
def test_other_scripts_digits_are_refused(digits: str) -> None:
    arabic = digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(NotNationalId):
        normalise_national_id(arabic)


@given(st.integers(1, 96), st.text("0123456789", min_size=9, max_size=9))
def test_a_number_cell_gets_back_a_cccds_leading_zeros(province: int, rest: str) -> None:
    cccd = f"{province:03d}{rest}"
    assert national_id_from_number(int(cccd)) == cccd


@given(st.text("0123456789", min_size=9, max_size=9).filter(lambda d: not d.startswith("00")))
def test_a_number_cell_gets_back_a_cmnds_leading_zero(cmnd: str) -> None:
    assert national_id_from_number(int(cmnd)) == cmnd


def test_names_written_two_ways_are_one_name_and_others_are_not() -> None:
    assert not names_differ("Nguyễn Thị Lan", "NGUYEN  THI LAN")
    assert not names_differ("Nguyễn Thị Lan", "Nguyễn Thị Lann")
    assert names_differ("Nguyễn Thị Lan", "Trần Văn Bình")


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "
)


@given(st.text(VIETNAMESE, min_size=1, max_size=40))
def test_a_name_never_differs_from_itself_in_capitals_or_without_accents(name: str) -> None:
    assert not names_differ(name, name)
    assert not names_differ(name, name.upper())
    assert not names_differ(name, loose_name(name))


def _audits(db: Session, owner_id: int, action: str) -> list[AuditRecord]:
    db.expire_all()
    stmt = select(AuditRecord).where(
        AuditRecord.entity == "owner",
        AuditRecord.entity_id == owner_id,
        AuditRecord.action == action,
    )
    return list(db.exec(stmt.order_by(col(AuditRecord.seq))))


def test_an_admin_stores_the_digits_and_only_admins_read_or_find_them(
    client: TestClient, world: World, db: Session
) -> None:
    body = {"name": "Lê Thị Hồng", "national_id": "0012 3456 7890"}
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    owner_id = r.json()["id"]
    assert r.json()["national_id"] == "001234567890"
    stored = db.get(Owner, owner_id)
    assert stored is not None
    assert stored.national_id == "001234567890"
    for role in ("viewer", "inspector_a", "inspector_b"):
        one = client.get(f"{API}/{owner_id}", headers=world.auth(role)).json()
        assert one["national_id"] is None, role
        assert one["name"] == "Lê Thị Hồng"
        found = client.get(API, params={"q": "001234567890"}, headers=world.auth(role)).json()
        assert found["items"] == [], role  # nor found by it
    admin = world.auth("admin")
    for q in ("001234567890", "001.234.567.890", "001 234"):
        found = client.get(API, params={"q": q}, headers=admin).json()
        assert [(o["id"], o["national_id"]) for o in found["items"]] == [
            (owner_id, "001234567890")
        ], q


def test_an_inspector_gives_an_id_with_a_new_owner_but_never_reads_or_changes_it(
    client: TestClient, world: World, db: Session
) -> None:
    body = {"name": "Phạm Văn Đức", "national_id": "042 099 001 234"}
    r = client.post(API, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    owner_id = r.json()["id"]
    assert r.json()["national_id"] is None  # answered without it
    change = {"national_id": "042099009999"}
    r = client.patch(f"{API}/{owner_id}", json=change, headers=world.auth("inspector_a"))
    assert r.status_code == 403
    assert r.json()["error"]["details"][0]["loc"] == ["body", "national_id"]
    assert "CCCD/CMND" in r.json()["error"]["message_vi"]
    assert _audits(db, owner_id, "owner.update") == []
    r = client.patch(f"{API}/{owner_id}", json=change, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["national_id"] == "042099009999"
    [record] = _audits(db, owner_id, "owner.update")
    assert record.detail == {
        "identity": True,
        "national_id": {"from": "042099001234", "to": "042099009999"},
    }


def test_one_id_one_owner_and_a_wrong_length_is_refused_with_the_reason(
    client: TestClient, world: World
) -> None:
    admin = world.auth("admin")
    first = client.post(API, json={"name": "A", "national_id": "001234567890"}, headers=admin)
    assert first.status_code == 201
    r = client.post(API, json={"name": "B", "national_id": "0012.3456.7890"}, headers=admin)
    assert r.status_code == 409
    assert r.json()["error"]["details"][0]["loc"] == ["body", "national_id"]
    assert r.json()["error"]["message_vi"] == (
        f"Số CCCD/CMND 001234567890 đã thuộc chủ sở hữu {first.json()['id']}."
    )
    other = client.post(API, json={"name": "C", "national_id": "123456789"}, headers=admin)
    assert other.status_code == 201  # an old 9-digit CMND
    r = client.patch(
        f"{API}/{other.json()['id']}", json={"national_id": "001234567890"}, headers=admin
    )
    assert r.status_code == 409
    r = client.post(API, json={"name": "D", "national_id": "0123456789"}, headers=admin)
    assert r.status_code == 422
    [detail] = r.json()["error"]["details"]
    assert detail["loc"] == ["body", "national_id"]
    assert "this one has 10" in detail["msg"]
    assert "số này có 10 chữ số" in detail["msg"]
    for bad in ("00123456789A", "001-234-567-890", ""):
        r = client.post(API, json={"name": "E", "national_id": bad}, headers=admin)
        assert r.status_code == 422, bad
