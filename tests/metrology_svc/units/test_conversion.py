"""Old units, succession and addresses from vietnamadminunits: data files and public API."""

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.units import conversion, national, package_data, succession_files

OURS = {u.code: u for u in national.read_2025().units}
STREET = "Số 12 đường Phan Đình Phùng, Phường Bắc Hà, Thành phố Hà Tĩnh, Tỉnh Hà Tĩnh"


@pytest.fixture(params=["files", "api"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Read the package from its data files, or (an unknown version) through its public API."""
    if request.param == "api":
        monkeypatch.setattr(package_data, "package_version", lambda: "2.0.0")
    conversion.clear_cache()
    yield request.param
    conversion.clear_cache()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the package's geocoder (a web service) fail loudly if anything calls it."""
    converter = pytest.importorskip("vietnamadminunits.converter.converter_2025")

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("geocoding must never be called")

    monkeypatch.setattr(converter, "get_geo_location", refuse)


def test_the_version_decides_how_the_package_is_read(way: str) -> None:
    label = conversion.source_label()
    assert label.startswith("vietnamadminunits ")
    assert label.endswith("(data files)" if way == "files" else "(public API)")


def test_legacy_units_of_ha_tinh(way: str) -> None:
    units = conversion.legacy_units("42")
    levels = Counter(u.level for u in units)
    assert levels == {"province": 1, "district": 12, "commune": 209}  # 1 + 12 + 209 = 222
    by_code = {u.code: u for u in units}
    # The package's 2004 codes (the issue text had 18073 for Bắc Hà; the package says Nam Hà).
    assert (by_code["18073"].name, by_code["18077"].name) == ("Phường Nam Hà", "Phường Bắc Hà")
    assert (by_code["18077"].parent_code, by_code["436"].name) == ("436", "Thành phố Hà Tĩnh")
    assert (by_code["436"].division_type, by_code["18406"].division_type) == (
        "thành phố",
        "thị trấn",
    )
    assert by_code["42"].parent_code is None
    assert by_code["18077"].latitude == pytest.approx(18.344, abs=0.01)
    assert conversion.legacy_units("99") == []


def test_derived_succession_of_ha_tinh(way: str) -> None:
    rows = conversion.derived_succession("42")
    communes = [r for r in rows if r.old_level == "commune"]
    assert len({r.old_code for r in communes}) == 209
    # Every old unit has exactly one default successor, and every successor is one of ours.
    defaults = Counter(r.old_code for r in rows if r.is_default)
    assert set(defaults.values()) == {1}
    assert len(defaults) == len({r.old_code for r in rows})
    assert all(OURS[r.new_code].name == r.new_name for r in rows)
    # All 69 communes of 2025 received some old commune.
    assert {r.new_code for r in communes} == {c for c, u in OURS.items() if u.parent_code == "42"}
    first = {r.old_code: r for r in rows if r.is_default}
    assert (first["18077"].new_code, first["18077"].new_name) == ("18073", "Phường Thành Sen")
    assert (first["42"].new_code, first["42"].share) == ("42", "whole")
    assert (first["42"].resolution, first["18077"].resolution) == (
        "202/2025/QH15",
        "1665/NQ-UBTVQH15",
    )
    split = {r.old_code for r in communes if r.share == "part"}
    if way == "files":
        assert Counter(r.share for r in communes) == {"whole": 207, "part": 5}
        assert split == {"18082", "18796"}  # Phường Đại Nài, Xã Kỳ Lợi
        assert sorted(r.new_code for r in communes if r.old_code == "18082") == ["18073", "18652"]
    else:  # without the data files a split cannot be seen: nothing is called whole
        assert all(r.share == "part" for r in rows if r.old_level != "province")


def test_the_shipped_succession_file_is_what_the_package_derives() -> None:
    conversion.clear_cache()
    shipped = succession_files.read_rows(succession_files.shipped("42"))
    assert shipped == conversion.derived_succession("42")
    assert all("vietnamadminunits 1.0.4 (data files)" in r.source for r in shipped)
    assert all(r.resolution_date is not None for r in shipped)
    third_party = [r for r in shipped if r.old_level != "province"]
    assert all(r.source.endswith("(third-party)") for r in third_party)


def test_a_province_without_a_known_resolution_derives_blank_resolutions() -> None:
    rows = conversion.derived_succession("04")  # Cao Bằng: not in resolutions_2025.csv
    assert rows
    assert {r.resolution for r in rows if r.old_level != "province"} == {""}
    assert all("resolution number not known" in r.source for r in rows if r.old_level != "province")
    with pytest.raises(ValueError, match="not a province"):
        conversion.derived_succession("18073")


def test_merged_provinces_go_whole_into_the_new_one() -> None:
    rows = conversion.derived_succession("31")
    provinces = {r.old_code: (r.new_code, r.share) for r in rows if r.old_level == "province"}
    assert provinces == {"30": ("31", "whole"), "31": ("31", "whole")}  # Hải Dương, Hải Phòng
    assert conversion.successions_of("30")[0].new_name == "Thành phố Hải Phòng"


def test_successions_of_one_old_unit() -> None:
    whole = conversion.successions_of("18077")
    assert [(r.new_code, r.share, r.is_default) for r in whole] == [("18073", "whole", True)]
    split = conversion.successions_of("18082")
    assert [(r.new_code, r.share, r.is_default) for r in split] == [
        ("18073", "part", True),
        ("18652", "part", False),
    ]
    district = conversion.successions_of("443")  # Huyện Can Lộc
    assert district[0].new_code == "18406"
    assert all(r.share == "part" for r in district)
    island = conversion.successions_of("471")  # Huyện Cồn Cỏ: no communes
    assert [(r.new_name, r.share) for r in island] == [("Đặc khu Cồn Cỏ", "whole")]
    assert conversion.successions_of("99999") == []


@pytest.mark.parametrize(
    ("text", "code", "old"),
    [
        ("Thị trấn Nghèn, Huyện Can Lộc", "18406", "18406"),
        ("Phường Bắc Hà, Thành phố Hà Tĩnh", "18073", "18077"),
        ("P. Bắc Hà, TP Hà Tĩnh", "18073", "18077"),
        ("Phường Đại Nài, Thành phố Hà Tĩnh, Tỉnh Hà Tĩnh", "18073", "18082"),
        (STREET, "18073", "18077"),
        ("Phường Thành Sen, tỉnh Hà Tĩnh", "18073", None),
        ("xã Can Lộc, tỉnh Hà Tĩnh", "18406", None),
        ("Phường Trần Phú, Hà Tĩnh", "18100", None),  # 2025 Trần Phú
        ("Phường Trần Phú, Thành phố Hà Tĩnh", "18073", "18094"),  # 2004 Trần Phú
    ],
)
def test_addresses_old_and_new(
    way: str, no_network: None, text: str, code: str, old: str | None
) -> None:
    match = conversion.convert_address(text)
    assert match is not None
    assert (match.commune_code, match.province_code, match.old_style) == (code, "42", bool(old))
    assert match.commune_name == OURS[code].name
    assert match.old_commune_code == old


def test_a_split_commune_names_all_its_successors() -> None:
    match = conversion.convert_address("Phường Đại Nài, Thành phố Hà Tĩnh")
    assert match is not None
    assert (match.successors, match.old_district_code) == (("18073", "18652"), "436")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "18073",
        "Phuong Bac Ha",  # no province, and no Xã Bắc Hà may stand in for a phường
        "Xã Foo, Huyện Thạch Hà, Hà Tĩnh",  # an old district named: not the 2025 Xã Thạch Hà
        "x" * 401,
    ],
)
def test_what_is_not_understood(text: str) -> None:
    assert conversion.convert_address(text) is None


def test_every_2025_commune_is_understood_from_its_address() -> None:
    provinces = {c: u.name for c, u in OURS.items() if u.level == "province"}
    wrong = []
    for unit in OURS.values():
        if unit.level == "commune":
            text = f"{unit.name}, {provinces[unit.parent_code or '']}"
            match = conversion.convert_address(text)
            if match is None or match.commune_code != unit.code:
                wrong.append(text)
    assert wrong == []


def test_every_old_ha_tinh_commune_is_understood_from_its_address() -> None:
    for unit in conversion.legacy_units("42"):
        if unit.level != "commune":
            continue
        district = conversion.legacy_unit(unit.parent_code or "")
        assert district is not None
        match = conversion.convert_address(f"{unit.name}, {district.name}, Tỉnh Hà Tĩnh")
        assert match is not None, unit
        assert match.commune_code == conversion.successions_of(unit.code)[0].new_code


def test_centroid_of_a_2025_commune(way: str) -> None:
    point = conversion.centroid("42", "18073")
    assert point == pytest.approx((18.34, 105.90), abs=0.05)
    assert conversion.centroid("42", "00226") is None  # not in that province
    assert conversion.centroid("01", "00226") is not None  # code differs, name matches


# Pieces of addresses, old and new, to put together in any order.
PIECES = [
    *("Phường Bắc Hà", "Thị trấn Nghèn", "Xã Thạch Hải", "Phường Thành Sen", "P. Đại Nài"),
    *("Huyện Can Lộc", "Thành phố Hà Tĩnh", "TP Hà Tĩnh", "Thị xã Kỳ Anh", "Quận 1"),
    *("Tỉnh Hà Tĩnh", "Hà Tĩnh", "tỉnh Hà Tĩnh", "Thành phố Huế", "TP HCM", "Hà Nội"),
    *("Số 12 đường Lê Lợi", "Phường 9", "Xã", "Huyện", "18073", "", "  ", "-", "'"),
]


@given(st.text(max_size=120) | st.lists(st.sampled_from(PIECES), max_size=5).map(", ".join))
def test_any_text_gives_a_2025_commune_or_nothing(text: str) -> None:
    match = conversion.convert_address(text)
    if match is not None:
        unit = OURS[match.commune_code]
        assert (unit.level, unit.parent_code) == ("commune", match.province_code)


def test_the_package_is_imported_only_when_used() -> None:
    # It pulls in shapely and geopy: importing the service, the importer or the CLI must not.
    code = (
        "import sys, metrology_svc.units.service, metrology_svc.imports.service, "
        "metrology_svc.cli.units_cmd; "
        "print(sorted(m for m in ('vietnamadminunits', 'shapely', 'geopy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
