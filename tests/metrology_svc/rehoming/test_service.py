"""Rehoming sites: whole moves, review cases with suggestions, no succession, idempotence."""

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import AccountMessage, Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.core.errors import Conflict, Forbidden, Invalid
from metrology_svc.inspections.schemas import InspectionCreate
from metrology_svc.inspections.service import create_inspection
from metrology_svc.rehoming.models import CaseStatus, RehomeCase
from metrology_svc.rehoming.rules import Basis
from metrology_svc.rehoming.service import decide, rehome
from metrology_svc.sites.models import Site, SiteMove
from tests.factories import World
from tests.metrology_svc.rehoming.support import (
    DISTRICT_449_SUCCESSORS,
    KY_LOI_SUCCESSORS,
    RESOLUTION,
    Old,
    make_old,
)


@pytest.fixture
def old(db: Session, world: World) -> Old:
    """The 2004 units of Thị xã Kỳ Anh and their successions, beside the test world."""
    return make_old(db)


def _count(db: Session, table: type) -> int:
    return int(db.exec(select(func.count()).select_from(table)).one())


def _case(db: Session, site: Site) -> RehomeCase:
    return db.exec(select(RehomeCase).where(RehomeCase.site_id == site.id)).one()


def _codes(case: RehomeCase) -> set[str]:
    return {c["code"] for c in case.candidates}


def test_a_site_of_a_commune_that_went_whole_moves_with_its_history(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Chợ Hưng Trí", "18754")
    inspection = create_inspection(
        db,
        authenticate(db, world.tokens["admin"]),
        InspectionCreate(site_id=site.id or 0, inspector="Đoàn KT", inspected_on=date(2025, 3, 2)),
        today=date(2025, 3, 2),
    )[0]
    audits = _count(db, AuditRecord)

    result = rehome(db, province_code="42")

    assert [m.site_name for m in result.moved] == ["Chợ Hưng Trí"]
    assert result.moved[0].to_unit is not None
    assert (result.moved[0].to_unit.code, result.moved[0].to_unit.scheme) == ("18754", "2025")
    assert result.counts["succession_whole"] == 1
    db.refresh(site)
    assert site.unit_id == old.new["18754"].id
    move = db.exec(select(SiteMove).where(SiteMove.site_id == site.id)).one()
    assert (move.from_unit_id, move.to_unit_id) == (old.old["18754"].id, old.new["18754"].id)
    assert move.reason == "succession_whole"
    assert RESOLUTION in move.basis
    assert move.by_user_id is None  # the run, not a person
    db.refresh(inspection)
    assert inspection.unit_id == old.old["18754"].id  # made under the old commune, kept
    moved = db.exec(select(AuditRecord).where(AuditRecord.action == "site.move")).all()
    assert [r.entity_id for r in moved] == [site.id]
    assert _count(db, AuditRecord) == audits + 1


def test_a_split_commune_opens_a_case_suggested_by_the_address(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(
        db, "Chợ Kỳ Lợi", "18796", address="Tổ dân phố 3, phường Sông Trí, tỉnh Hà Tĩnh"
    )

    result = rehome(db)

    assert [c.site_name for c in result.cases_opened] == ["Chợ Kỳ Lợi"]
    assert result.counts["case_address"] == 1
    case = _case(db, site)
    assert case.id == result.cases_opened[0].case_id
    assert _codes(case) == KY_LOI_SUCCESSORS
    assert [c["code"] for c in case.candidates if c["default"]] == ["18823"]
    assert case.suggested_unit_id == old.new["18754"].id
    assert case.suggestion_reason.startswith("Theo địa chỉ")
    assert "Phường Sông Trí (18754)" in case.suggestion_reason
    assert "From the address" in case.suggestion_reason
    assert case.status is CaseStatus.OPEN
    db.refresh(site)
    assert site.unit_id == old.old["18796"].id  # not moved until someone decides


def test_an_old_address_of_the_split_commune_says_nothing_so_coordinates_decide(
    db: Session, world: World, old: Old
) -> None:
    # The converter answers "Xã Kỳ Lợi" with the main successor (Vũng Áng): no evidence. The
    # point lies by the centre of Phường Hoành Sơn (17.9989, 106.44).
    site = old.site(
        db,
        "Cảng cá Kỳ Lợi",
        "18796",
        address="Thôn Hải Phong, Xã Kỳ Lợi, Thị xã Kỳ Anh, Hà Tĩnh",
        latitude=17.995,
        longitude=106.436,
    )

    result = rehome(db)

    assert result.counts == {
        "case_coordinates": 1,
        "scopes_migrated": 0,
        "scopes_without_succession": 0,
    }
    case = _case(db, site)
    assert case.suggested_unit_id == old.new["18832"].id
    assert case.suggestion_reason.startswith("Theo tọa độ: gần trung tâm Phường Hoành Sơn (18832)")
    assert "km" in case.suggestion_reason


def test_without_address_or_coordinates_the_main_successor_is_suggested(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Chợ Kỳ Lợi cũ", "18796")
    rehome(db)
    case = _case(db, site)
    assert case.suggested_unit_id == old.new["18823"].id
    assert case.suggestion_reason.startswith("Theo nghị quyết: Phường Vũng Áng (18823)")


def test_a_site_on_a_district_gets_a_case_over_every_commune_that_received_one(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Bến xe Kỳ Anh", "449", address="Phường Hưng Trí, Thị xã Kỳ Anh, Hà Tĩnh")
    rehome(db)
    case = _case(db, site)
    assert _codes(case) == DISTRICT_449_SUCCESSORS
    assert not any(c["default"] for c in case.candidates)
    # Hưng Trí went whole into Sông Trí: an old address that says something.
    assert case.suggested_unit_id == old.new["18754"].id
    assert case.suggestion_reason.startswith("Theo địa chỉ")


def test_a_district_site_with_nothing_to_go_by_has_no_suggestion(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Trạm cân Kỳ Anh", "449")
    result = rehome(db)
    case = _case(db, site)
    assert case.suggested_unit_id is None
    assert case.suggestion_reason.startswith("Chưa có gợi ý")
    assert result.cases_opened[0].suggestion == Basis.NONE.value


def test_a_unit_without_succession_is_listed_and_left_alone(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Chợ Thử", "99901")
    result = rehome(db)
    assert [s.site_name for s in result.no_succession] == ["Chợ Thử"]
    assert result.counts["no_succession"] == 1
    assert result.moved == []
    assert result.cases_opened == []
    db.refresh(site)
    assert site.unit_id == old.old["99901"].id
    assert _count(db, RehomeCase) == 0


def test_a_name_already_used_in_the_new_commune_is_not_moved(
    db: Session, world: World, old: Old
) -> None:
    # Kỳ Ninh and Kỳ Hà both went whole into Hải Ninh, where "Chợ Kỳ Đồng" already stands.
    first = old.site(db, "Chợ Trung tâm", "18781")
    second = old.site(db, "Chợ Trung tâm", "18808")
    third = old.site(db, "Chợ Kỳ Đồng", "18781")
    result = rehome(db)
    assert [m.site_id for m in result.moved] == [first.id]
    assert sorted(s.site_id or 0 for s in result.name_taken) == sorted(
        [second.id or 0, third.id or 0]
    )
    db.refresh(second)
    assert second.unit_id == old.old["18808"].id


def _snapshot(db: Session) -> dict[str, object]:
    return {
        "units": sorted((s.id, s.unit_id) for s in db.exec(select(Site)).all()),
        "moves": _count(db, SiteMove),
        "cases": _count(db, RehomeCase),
        "audit": _count(db, AuditRecord),
        "messages": _count(db, AccountMessage),
    }


def test_a_second_run_changes_nothing_and_a_dry_run_writes_nothing(
    db: Session, world: World, old: Old
) -> None:
    old.site(db, "Chợ Hưng Trí", "18754")
    old.site(db, "Chợ Kỳ Lợi", "18796")
    old.site(db, "Chợ Thử", "99901")
    old.scope(db, authenticate(db, world.tokens["inspector_b"]).user_id, "449")
    before = _snapshot(db)

    dry = rehome(db, dry_run=True)

    assert _snapshot(db) == before
    first = rehome(db)
    assert first.model_dump(exclude={"dry_run", "cases_opened"}) == dry.model_dump(
        exclude={"dry_run", "cases_opened"}
    )
    assert [c.case_id for c in dry.cases_opened] == [None]  # not opened yet
    after = _snapshot(db)
    second = rehome(db)
    assert _snapshot(db) == after
    assert second.counts == {
        "case_already_open": 1,
        "no_succession": 1,
        "scopes_migrated": 0,
        "scopes_without_succession": 0,
    }
    assert [c.case_id for c in second.cases_already_open] == [c.case_id for c in first.cases_opened]


def _kiloi_case(db: Session, old: Old) -> tuple[Site, RehomeCase]:
    site = old.site(db, "Chợ Kỳ Lợi", "18796")
    rehome(db)
    return site, _case(db, site)


def test_an_inspector_of_a_candidate_decides_and_the_site_moves(
    db: Session, world: World, old: Old
) -> None:
    site, case = _kiloi_case(db, old)
    inspector = authenticate(db, world.tokens["inspector_a"])  # Phường Sông Trí, a candidate

    done = decide(db, case.id or 0, "18754", inspector, " dân cư thôn Hải Phong về Sông Trí ")

    assert done.status is CaseStatus.DECIDED
    assert done.decided_unit_id == old.new["18754"].id
    assert done.decided_by_user_id == inspector.user_id
    assert done.note == "dân cư thôn Hải Phong về Sông Trí"
    db.refresh(site)
    assert site.unit_id == old.new["18754"].id
    move = db.exec(select(SiteMove).where(SiteMove.site_id == site.id)).one()
    assert (move.reason, move.basis) == ("succession_reviewed", "dân cư thôn Hải Phong về Sông Trí")
    assert move.by_user_id == inspector.user_id
    with pytest.raises(Conflict):
        decide(db, case.id or 0, "18754", inspector, "")
    assert rehome(db).sites_checked == 0  # nothing left in the old scheme


def test_decisions_outside_the_scope_or_the_candidates_are_refused(
    db: Session, world: World, old: Old
) -> None:
    site, case = _kiloi_case(db, old)
    case_id = case.id or 0
    with pytest.raises(Forbidden):  # Hải Ninh is no candidate of Kỳ Lợi
        decide(db, case_id, "18754", authenticate(db, world.tokens["inspector_b"]), "")
    with pytest.raises(Forbidden):
        decide(db, case_id, "18754", authenticate(db, world.tokens["viewer"]), "")
    inspector = authenticate(db, world.tokens["inspector_a"])
    with pytest.raises(Invalid):  # not a candidate: an inspector may not
        decide(db, case_id, "18781", inspector, "theo đơn của hộ kinh doanh")
    admin = authenticate(db, world.tokens["admin"])
    with pytest.raises(Invalid):  # an admin without a note may not either
        decide(db, case_id, "18781", admin, "  ")
    with pytest.raises(Invalid):  # a unit of the old list is never a destination
        decide(db, case_id, "2004:18754", admin, "nhầm danh mục")
    assert db.get(RehomeCase, case_id).status is CaseStatus.OPEN  # type: ignore[union-attr]

    done = decide(db, case_id, old.new["18781"].id or 0, admin, "Biên bản xác minh số 12")

    assert done.decided_unit_id == old.new["18781"].id
    db.refresh(site)
    assert site.unit_id == old.new["18781"].id


def test_a_site_moved_by_hand_since_the_case_opened_is_not_moved_again(
    db: Session, world: World, old: Old
) -> None:
    site, case = _kiloi_case(db, old)
    site.unit_id = old.new["18823"].id or 0
    db.add(site)
    db.flush()
    with pytest.raises(Conflict):
        decide(db, case.id or 0, "18754", Principal(user_id=0, name="x", role=Role.ADMIN), "")


def test_records_made_at_a_site_keep_their_unit_after_rehoming(
    db: Session, world: World, old: Old
) -> None:
    site = old.site(db, "Chợ Hưng Trí", "18754")
    admin = authenticate(db, world.tokens["admin"])
    for day in (date(2024, 5, 1), date(2025, 6, 30)):
        create_inspection(
            db, admin, InspectionCreate(site_id=site.id or 0, inspector="Đoàn", inspected_on=day),
            today=day,
        )  # fmt: skip
    rehome(db)
    from metrology_svc.inspections.models import Inspection

    units = db.exec(select(Inspection.unit_id).where(col(Inspection.site_id) == site.id)).all()
    assert units == [old.old["18754"].id] * 2
