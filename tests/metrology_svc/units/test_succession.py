"""Loading the 2004 units of a province and importing the succession old -> new."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.core.errors import Invalid
from metrology_svc.units import conversion, succession_files
from metrology_svc.units.models import AdminUnit, UnitSuccession
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import (
    create_unit,
    import_succession,
    load_2004,
    load_shipped_succession,
)


def _count(db: Session, model: type[AdminUnit] | type[UnitSuccession]) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _successors(db: Session, old_code: str) -> list[tuple[str, str, bool]]:
    repo = UnitRepository(db)
    old = repo.by_code(old_code, "2004")
    assert old is not None
    assert old.id is not None
    rows = repo.successions_from([old.id])
    units = repo.by_ids([r.new_unit_id for r in rows])
    return sorted((units[r.new_unit_id].code, r.share.value, r.is_default) for r in rows)


def test_load_2004_is_idempotent_and_builds_three_tier_paths(db: Session) -> None:
    first = load_2004(db, "42")
    assert (first.scheme, first.added, first.unchanged) == ("2004", 222, 0)
    assert first.source == "vietnamadminunits 1.0.4 (data files)"
    again = load_2004(db, "42")
    assert (again.added, again.unchanged, again.differing) == (0, 222, [])
    repo = UnitRepository(db)
    bac_ha = repo.by_code("18077", "2004")
    assert bac_ha is not None
    assert (bac_ha.name, bac_ha.path, bac_ha.valid_to) == (
        "Phường Bắc Hà",
        "42/436/18077/",
        date(2025, 7, 1),
    )
    # The 2025 unit of the same code is another unit.
    nam_ha, thanh_sen = repo.by_code("18073", "2004"), repo.by_code("18073", "2025")
    assert nam_ha is not None
    assert thanh_sen is not None
    assert (nam_ha.name, thanh_sen.name) == ("Phường Nam Hà", "Phường Thành Sen")


def test_load_2004_never_renames_a_stored_old_unit(db: Session) -> None:
    for code, name, level, parent in [
        ("42", "Tỉnh Hà Tĩnh", "province", None),
        ("436", "Thành phố Hà Tĩnh", "district", "42"),
        ("18073", "Phường Bắc Hà (nhập tay)", "commune", "436"),
    ]:
        data = {"code": code, "name": name, "level": level, "parent_code": parent}
        create_unit(db, AdminUnitCreate.model_validate({**data, "scheme": "2004"}))
    result = load_2004(db, "42")
    assert (result.added, result.unchanged) == (219, 3)
    assert result.differing == ["18073: Phường Bắc Hà (nhập tay) ≠ Phường Nam Hà"]
    kept = UnitRepository(db).by_code("18073", "2004")
    assert kept is not None
    assert kept.name == "Phường Bắc Hà (nhập tay)"


def test_load_2004_refuses_an_unknown_province(db: Session) -> None:
    with pytest.raises(Invalid) as refused:
        load_2004(db, "99")
    assert "Không có tỉnh mã '99'" in refused.value.message_vi


def test_the_shipped_succession_loads_once(db: Session) -> None:
    before = _count(db, UnitSuccession)
    first = load_shipped_succession(db, "42")
    # The old units are created from the rows (no load_2004 first), parents included.
    assert (first.added, first.updated, first.unchanged, first.units_created) == (287, 0, 0, 222)
    assert _count(db, UnitSuccession) == before + 287
    again = load_shipped_succession(db, "42")
    assert (again.added, again.updated, again.unchanged, again.units_created) == (0, 0, 287, 0)
    assert _successors(db, "18077") == [("18073", "whole", True)]
    assert _successors(db, "18082") == [("18073", "part", True), ("18652", "part", False)]
    assert _successors(db, "42") == [("42", "whole", True)]
    row = db.exec(select(UnitSuccession).order_by(col(UnitSuccession.id).desc())).first()
    assert row is not None
    assert (row.effective_on, row.resolution_date) == (date(2025, 7, 1), date(2025, 6, 16))
    audits = db.exec(
        select(AuditRecord).where(AuditRecord.action == "units.succession_import")
    ).all()
    assert [a.detail["added"] for a in audits][-2:] == [287, 0]


def test_no_shipped_file_for_other_provinces(db: Session) -> None:
    with pytest.raises(Invalid) as refused:
        load_shipped_succession(db, "01")
    assert "succession derive --province 01" in refused.value.message


def test_an_import_updates_a_changed_row_and_fills_blanks(db: Session) -> None:
    rows = conversion.successions_of("18082")
    # An office decides the other way for Đại Nài: Hà Huy Tập as the default successor.
    turned = [replace(r, is_default=not r.is_default) for r in rows]
    result = import_succession(
        db, turned, resolution="1665/NQ-UBTVQH15", resolution_date=date(2025, 6, 16), source="UBND"
    )
    assert (result.added, result.units_created) == (2, 3)  # Đại Nài, its district, province
    assert _successors(db, "18082") == [("18073", "part", False), ("18652", "part", True)]
    stored = db.exec(select(UnitSuccession).order_by(col(UnitSuccession.id).desc())).first()
    assert stored is not None
    assert (stored.resolution, stored.source) == ("1665/NQ-UBTVQH15", "UBND")
    back = import_succession(db, rows, source="UBND")
    assert (back.added, back.updated) == (0, 2)
    assert _successors(db, "18082") == [("18073", "part", True), ("18652", "part", False)]


def test_rows_that_disagree_are_refused(db: Session) -> None:
    rows = conversion.successions_of("18082")
    whole = [replace(r, share="whole") for r in rows]
    with pytest.raises(Invalid, match="'whole' but 2 successors"):
        import_succession(db, whole, source="x")
    no_default = [replace(r, is_default=False) for r in rows]
    with pytest.raises(Invalid, match="exactly one is_default"):
        import_succession(db, no_default, source="x")
    # A 2025 code that names another commune in our list (the packages' codes differ).
    wrong_name = [replace(rows[0], new_name="Phường Văn Miếu - Quốc Tử Giám", share="whole")]
    with pytest.raises(Invalid, match="18073: Phường Văn Miếu"):
        import_succession(db, wrong_name, source="x")
    # Refused before anything was written: not even the old unit.
    assert UnitRepository(db).by_code("18082", "2004") is None


def test_a_bad_succession_file_is_refused_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ke-thua.csv"
    succession_files.write_rows(path, conversion.successions_of("18082"))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",part,", ",some,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        succession_files.read_rows(path)
    assert "row/dòng 2: share must be whole|part" in refused.value.message
    assert refused.value.message_vi.startswith("Tệp kế thừa đơn vị bị từ chối")
    (tmp_path / "bad.csv").write_text("old_code,new_code\n1,2\n", encoding="utf-8")
    with pytest.raises(Invalid, match="missing columns"):
        succession_files.read_rows(tmp_path / "bad.csv")
