"""The 2025 national list as loaded: every Hà Tĩnh code and name, one commune per province.

The expected values were read from the pinned vietnam-provinces 2025.10.1 and checked against the
issue's examples (18073 Phường Thành Sen, 18202 Xã Tứ Mỹ, 18364 Xã Đan Hải, 18775 Xã Kỳ Anh ...).
A package upgrade that renumbers or renames any of them fails here.
"""

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from metrology_svc.units import national
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.service import load_2025

HA_TINH: dict[str, str] = {
    "18073": "Phường Thành Sen",
    "18100": "Phường Trần Phú",
    "18115": "Phường Bắc Hồng Lĩnh",
    "18118": "Phường Nam Hồng Lĩnh",
    "18133": "Xã Hương Sơn",
    "18160": "Xã Sơn Hồng",
    "18163": "Xã Sơn Tiến",
    "18172": "Xã Sơn Tây",
    "18184": "Xã Sơn Giang",
    "18196": "Xã Sơn Kim 1",
    "18199": "Xã Sơn Kim 2",
    "18202": "Xã Tứ Mỹ",
    "18223": "Xã Kim Hoa",
    "18229": "Xã Đức Thọ",
    "18244": "Xã Đức Minh",
    "18262": "Xã Đức Quang",
    "18277": "Xã Đức Thịnh",
    "18304": "Xã Đức Đồng",
    "18313": "Xã Vũ Quang",
    "18322": "Xã Mai Hoa",
    "18328": "Xã Thượng Đức",
    "18352": "Xã Nghi Xuân",
    "18364": "Xã Đan Hải",
    "18373": "Xã Tiên Điền",
    "18394": "Xã Cổ Đạm",
    "18406": "Xã Can Lộc",
    "18409": "Xã Hồng Lộc",
    "18418": "Xã Tùng Lộc",
    "18436": "Xã Trường Lưu",
    "18466": "Xã Gia Hanh",
    "18481": "Xã Xuân Lộc",
    "18484": "Xã Đồng Lộc",
    "18496": "Xã Hương Khê",
    "18502": "Xã Hà Linh",
    "18523": "Xã Hương Bình",
    "18532": "Xã Hương Phố",
    "18544": "Xã Hương Xuân",
    "18547": "Xã Phúc Trạch",
    "18550": "Xã Hương Đô",
    "18562": "Xã Thạch Hà",
    "18568": "Xã Lộc Hà",
    "18583": "Xã Mai Phụ",
    "18586": "Xã Đông Kinh",
    "18601": "Xã Việt Xuyên",
    "18604": "Xã Thạch Khê",
    "18619": "Xã Đồng Tiến",
    "18628": "Xã Thạch Lạc",
    "18634": "Xã Toàn Lưu",
    "18652": "Phường Hà Huy Tập",
    "18667": "Xã Thạch Xuân",
    "18673": "Xã Cẩm Xuyên",
    "18676": "Xã Thiên Cầm",
    "18682": "Xã Yên Hòa",
    "18685": "Xã Cẩm Bình",
    "18736": "Xã Cẩm Hưng",
    "18739": "Xã Cẩm Duệ",
    "18742": "Xã Cẩm Trung",
    "18748": "Xã Cẩm Lạc",
    "18754": "Phường Sông Trí",
    "18766": "Xã Kỳ Xuân",
    "18775": "Xã Kỳ Anh",
    "18781": "Phường Hải Ninh",
    "18787": "Xã Kỳ Văn",
    "18790": "Xã Kỳ Khang",
    "18814": "Xã Kỳ Hoa",
    "18823": "Phường Vũng Áng",
    "18832": "Phường Hoành Sơn",
    "18838": "Xã Kỳ Lạc",
    "18844": "Xã Kỳ Thượng",
}

# Province code -> (name, communes, one commune code, its name): one commune per province.
SAMPLES: dict[str, tuple[str, int, str, str]] = {
    "01": ("Thành phố Hà Nội", 126, "08980", "Xã Yên Lãng"),
    "04": ("Tỉnh Cao Bằng", 56, "01501", "Xã Đàm Thuỷ"),
    "08": ("Tỉnh Tuyên Quang", 124, "01180", "Xã Bằng Hành"),
    "11": ("Tỉnh Điện Biên", 45, "03226", "Xã Sín Chải"),
    "12": ("Tỉnh Lai Châu", 38, "03503", "Xã Pa Tần"),
    "14": ("Tỉnh Sơn La", 75, "03979", "Phường Mộc Sơn"),
    "15": ("Tỉnh Lào Cai", 99, "04273", "Phường Nam Cường"),
    "19": ("Tỉnh Thái Nguyên", 92, "05533", "Phường Bá Xuyên"),
    "20": ("Tỉnh Lạng Sơn", 65, "06313", "Xã Tri Lễ"),
    "22": ("Tỉnh Quảng Ninh", 54, "06877", "Xã Đông Ngũ"),
    "24": ("Tỉnh Bắc Ninh", 99, "07738", "Phường Cảnh Thụy"),
    "25": ("Tỉnh Phú Thọ", 148, "08275", "Xã Bình Phú"),
    "31": ("Thành phố Hải Phòng", 114, "11218", "Xã Hồng Châu"),
    "33": ("Tỉnh Hưng Yên", 104, "12595", "Xã Ngự Thiên"),
    "37": ("Tỉnh Ninh Bình", 129, "14026", "Xã Cổ Lễ"),
    "38": ("Tỉnh Thanh Hóa", 166, "15610", "Xã Yên Nhân"),
    "40": ("Tỉnh Nghệ An", 130, "17248", "Xã Châu Khê"),
    "42": ("Tỉnh Hà Tĩnh", 69, "18523", "Xã Hương Bình"),
    "44": ("Tỉnh Quảng Trị", 78, "19309", "Xã Trường Phú"),
    "46": ("Thành phố Huế", 40, "19969", "Phường Thanh Thủy"),
    "48": ("Thành phố Đà Nẵng", 94, "20623", "Xã Duy Xuyên"),
    "51": ("Tỉnh Quảng Ngãi", 96, "21490", "Xã Ba Vinh"),
    "52": ("Tỉnh Gia Lai", 135, "23629", "Xã Cửu An"),
    "56": ("Tỉnh Khánh Hòa", 65, "22660", "Xã Diên Lâm"),
    "66": ("Tỉnh Đắk Lắk", 102, "24241", "Xã Ea Wer"),
    "68": ("Tỉnh Lâm Đồng", 124, "24712", "Xã Quảng Phú"),
    "75": ("Tỉnh Đồng Nai", 95, "26089", "Phường Bình Lộc"),
    "79": ("Thành phố Hồ Chí Minh", 168, "26878", "Phường An Hội Đông"),
    "80": ("Tỉnh Tây Ninh", 96, "27811", "Xã Bình Hoà"),
    "82": ("Tỉnh Đồng Tháp", 102, "28702", "Xã Tân Hòa"),
    "86": ("Tỉnh Vĩnh Long", 124, "29365", "Xã Tập Ngãi"),
    "91": ("Tỉnh An Giang", 102, "30691", "Xã Tây Phú"),
    "92": ("Thành phố Cần Thơ", 103, "31453", "Xã Vĩnh Thuận Đông"),
    "96": ("Tỉnh Cà Mau", 64, "32062", "Xã Khánh Lâm"),
}


def _units(db: Session, parent: str | None = None) -> list[AdminUnit]:
    stmt = select(AdminUnit).where(AdminUnit.scheme == "2025")
    if parent is not None:
        stmt = stmt.where(col(AdminUnit.path).startswith(f"{parent}/"), AdminUnit.code != parent)
    return list(db.exec(stmt).all())


def test_every_ha_tinh_commune_is_pinned(db: Session) -> None:
    communes = _units(db, "42")
    assert {u.code: u.name for u in communes} == HA_TINH
    kinds = sorted(u.division_type for u in communes)
    assert (kinds.count("phường"), kinds.count("xã"), len(kinds)) == (9, 60, 69)
    assert all(u.level is UnitLevel.COMMUNE and u.path == f"42/{u.code}/" for u in communes)


def test_one_commune_of_every_province_is_pinned(db: Session) -> None:
    units = _units(db)
    provinces = {u.code: u for u in units if u.level is UnitLevel.PROVINCE}
    assert {code: p.name for code, p in provinces.items()} == {c: s[0] for c, s in SAMPLES.items()}
    by_code = {u.code: u for u in units}
    for code, (_name, count, commune, commune_name) in SAMPLES.items():
        assert sum(1 for u in units if u.parent_id == provinces[code].id) == count, code
        assert (by_code[commune].name, by_code[commune].path) == (
            commune_name,
            f"{code}/{commune}/",
        )
    assert sum(s[1] for s in SAMPLES.values()) == 3321


def test_where_the_packages_disagree_ours_is_kept(db: Session) -> None:
    # vietnamadminunits numbers Phường Kim Liên 00229 and has 00226 for Phường Văn Miếu - Quốc
    # Tử Giám; our list (vietnam-provinces) is kept until an override says otherwise.
    by_code = {u.code: u.name for u in _units(db, "01")}
    assert by_code["00226"] == "Phường Kim Liên"


def _overrides(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "code,replaces_code,name,level,division_type,parent_code,source,note\n" + row + "\n",
        encoding="utf-8",
    )
    return path


def test_an_override_row_is_applied(db: Session, tmp_path: Path) -> None:
    path = _overrides(
        tmp_path, "00226,,Phường Văn Miếu - Quốc Tử Giám,,,,QĐ giả định số 1/2026 (test),"
    )
    listed = national.read_2025(path)
    assert next(u for u in listed.units if u.code == "00226").name == (
        "Phường Văn Miếu - Quốc Tử Giám"
    )
    assert listed.source.endswith("overrides.csv (1 rows)")
    result = load_2025(db, listed)
    assert (result.added, result.renamed) == (0, 1)
    assert {u.code: u.name for u in _units(db, "01")}["00226"] == "Phường Văn Miếu - Quốc Tử Giám"


def test_an_override_without_a_source_is_refused(tmp_path: Path) -> None:
    path = _overrides(tmp_path, "00226,,Phường Văn Miếu - Quốc Tử Giám,,,,,")
    with pytest.raises(ValueError, match="names no source"):
        national.read_2025(path)


def test_the_shipped_override_table_is_empty_and_sourced() -> None:
    text = national.OVERRIDES_2025.read_text(encoding="utf-8").splitlines()
    assert text[0].split(",")[-2:] == ["source", "note"]
    assert national.read_2025().source.endswith("overrides_2025.csv (0 rows)")
