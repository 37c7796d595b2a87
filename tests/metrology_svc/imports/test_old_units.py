"""Imports read old codes and old-style addresses as the units in force, with a warning."""

from pathlib import Path

import pytest
from sqlmodel import Session, select

from metrology_svc.core.errors import Invalid
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.resolver import UnitResolver
from metrology_svc.units.service import load_2004
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, inspector, scale_row, write_csv


def run(
    db: Session,
    tmp_path: Path,
    rows: list[dict[str, str]],
    *,
    names: dict[str, str] = VI,
    mode: ImportMode = ImportMode.VALID_ONLY,
) -> ImportReport:
    path = write_csv(tmp_path / "list.csv", rows, names=names)
    report = import_file(db, ADMIN, path, mode=mode, today=TODAY)
    db.flush()
    return report


def unit_of_site(db: Session, name: str) -> str:
    site = db.exec(select(Site).where(Site.name == name)).one()
    unit = db.get(AdminUnit, site.unit_id)
    assert unit is not None
    return f"{unit.scheme}:{unit.code}"


def unit_warnings(report: ImportReport) -> list[tuple[int, str, str, str]]:
    return [
        (w.row, w.column, w.reason_vi, w.value)
        for w in report.warnings
        if w.column in ("Mã đơn vị hành chính", "Địa chỉ")
    ]


def test_an_old_code_goes_to_its_successor_with_a_warning(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("OC-1", unit_code="18077", site_name="Chợ Bắc Hà")]
    report = run(db, tmp_path, rows)
    assert (report.created, report.rejected) == (1, 0)
    assert unit_of_site(db, "Chợ Bắc Hà") == "2025:18073"
    assert unit_warnings(report) == [
        (
            2,
            "Mã đơn vị hành chính",
            "Mã 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, danh mục 2004) → 18073 Phường Thành Sen",
            "18077",
        )
    ]
    assert report.warnings[-1].reason_en.startswith("Code 18077 (Phường Bắc Hà")


def test_a_2025_code_that_was_also_a_2004_code_means_the_2025_unit(
    db: Session, world: World, tmp_path: Path
) -> None:
    load_2004(db, "42")  # 18754 and 18073 are codes of the 2004 list too
    report = run(db, tmp_path, [scale_row("OC-2", unit_code="18073", site_name="Chợ Thành Sen")])
    assert (report.created, unit_warnings(report)) == (1, [])
    assert unit_of_site(db, "Chợ Thành Sen") == "2025:18073"


def test_a_split_commune_and_an_old_district(db: Session, world: World, tmp_path: Path) -> None:
    rows = [
        scale_row("OC-3", unit_code="18082", site_name="Chợ Đại Nài"),
        scale_row("OC-4", unit_code="2004:443", site_name="Chợ Nghèn"),
    ]
    report = run(db, tmp_path, rows)
    assert report.created == 2
    assert unit_of_site(db, "Chợ Đại Nài") == "2025:18073"
    assert unit_of_site(db, "Chợ Nghèn") == "2025:18406"
    split, district = unit_warnings(report)
    assert "đã được chia, phần còn lại thuộc 18652 Phường Hà Huy Tập" in split[2]
    assert "cấp huyện đã bỏ từ 01/07/2025" in district[2]


def test_an_address_column_alone_names_the_unit(db: Session, world: World, tmp_path: Path) -> None:
    names = {k: v for k, v in VI.items() if k != "unit_code"} | {"site_address": "Địa chỉ"}
    rows = [
        scale_row("AD-1", site_name="Chợ Nghèn", site_address="Thị trấn Nghèn, Huyện Can Lộc"),
        scale_row("AD-2", site_name="Chợ Bắc Hà", site_address="Phường Bắc Hà, Thành phố Hà Tĩnh"),
        scale_row("AD-3", site_name="Chợ Mới", site_address="Phường Thành Sen, tỉnh Hà Tĩnh"),
        scale_row("AD-4", site_name="Chợ Lạ", site_address="Phường Không Có, Hà Tĩnh"),
        scale_row("AD-5", site_name="Chợ Trống", site_address=""),
    ]
    report = run(db, tmp_path, rows, names=names)
    assert (report.created, report.rejected) == (3, 2)
    assert unit_of_site(db, "Chợ Nghèn") == "2025:18406"
    assert unit_of_site(db, "Chợ Bắc Hà") == "2025:18073"
    site = db.exec(select(Site).where(Site.name == "Chợ Bắc Hà")).one()
    assert site.address == "Phường Bắc Hà, Thành phố Hà Tĩnh"  # kept as the list wrote it
    warned = unit_warnings(report)
    assert [(row, column) for row, column, _vi, _value in warned] == [
        (2, "Địa chỉ"),
        (3, "Địa chỉ"),
        (4, "Địa chỉ"),
    ]
    assert warned[0][2].startswith("Địa chỉ cũ 'Thị trấn Nghèn, Huyện Can Lộc' (18406")
    errors = sorted(report.errors, key=lambda e: e.row)
    assert [(e.row, e.column) for e in errors] == [(5, "Địa chỉ"), (6, "Mã đơn vị hành chính")]
    assert errors[0].reason_vi.startswith("Không có đơn vị hành chính")
    assert errors[1].reason_en == "Required value missing"


def test_an_address_in_the_code_column(db: Session, world: World, tmp_path: Path) -> None:
    row = scale_row("AC-1", unit_code="Phường Bắc Hà, Thành phố Hà Tĩnh", site_name="Chợ Bắc Hà")
    report = run(db, tmp_path, [row])
    assert (report.created, unit_of_site(db, "Chợ Bắc Hà")) == (1, "2025:18073")


def test_a_code_of_neither_list_is_refused_with_the_closest(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, tmp_path, [scale_row("NX-1", unit_code="18075", site_name="Chợ X")])
    assert report.rejected == 1
    error = report.errors[0]
    assert error.reason_vi.startswith("Không có đơn vị hành chính '18075'")
    assert "Gần giống nhất: " in error.reason_vi
    assert 1 <= error.reason_en.count(";") + 1 <= 5  # at most five suggestions


def test_jurisdiction_follows_the_converted_unit(db: Session, world: World, tmp_path: Path) -> None:
    # Inspector A works in Phường Sông Trí (18754); 18073 is elsewhere.
    path = write_csv(tmp_path / "list.csv", [scale_row("JX-1", unit_code="18077")])
    report = import_file(db, inspector("42/18754/"), path, mode=ImportMode.VALID_ONLY, today=TODAY)
    assert report.rejected == 1
    assert report.errors[0].reason_en == "Outside your jurisdiction"


def test_each_distinct_text_is_resolved_once_per_file(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    inner = UnitResolver._resolve

    def counted(self: UnitResolver, text: str) -> object:
        calls.append(text)
        return inner(self, text)

    monkeypatch.setattr(UnitResolver, "_resolve", counted)
    rows = [
        scale_row(f"C-{i}", unit_code=code, site_name=f"Chợ {code}")
        for i, code in enumerate(["18077", "18754", "99998"] * 40)
    ]
    report = run(db, tmp_path, rows)
    assert (report.rows, report.rejected) == (120, 40)
    assert sorted(calls) == ["18077", "99998"]  # 18754 is a code in force: no resolver at all
    assert len(unit_warnings(report)) == 40


def test_a_list_needs_a_unit_code_or_an_address_column(
    db: Session, world: World, tmp_path: Path
) -> None:
    names = {k: v for k, v in VI.items() if k != "unit_code"}
    with pytest.raises(Invalid) as refused:
        run(db, tmp_path, [scale_row("NC-1")], names=names)
    assert "Mã đơn vị hành chính / Unit code" in refused.value.message_vi
