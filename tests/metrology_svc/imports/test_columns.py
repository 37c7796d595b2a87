"""Header matching: Vietnamese or English, any case and spacing, BOM and accents in NFD form."""

import unicodedata

import pytest

from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import KG, L_PER_MIN, G, T
from metrology_svc.imports.columns import COLUMNS, headers, match_headers


def test_vietnamese_and_english_headers_match_the_same_keys() -> None:
    vi = match_headers(headers("vi"))
    en = match_headers(headers("en"))
    assert vi.positions == en.positions
    assert set(vi.positions) == {c.key for c in COLUMNS}


def test_case_spacing_bom_and_decomposed_accents_do_not_matter() -> None:
    decomposed = unicodedata.normalize("NFD", "SỐ  SẢN XUẤT")
    found = match_headers(
        ["\ufeffLoại phương tiện đo", decomposed, " nơi sản xuất ", "OWNER", "site", "Unit_Code"]
    )
    assert found.positions == {
        "type": 0,
        "serial": 1,
        "manufacturer": 2,
        "owner_name": 3,
        "site_name": 4,
        "unit_code": 5,
    }
    assert found.label("serial") == decomposed.strip()


def test_unknown_headers_are_ignored_and_listed() -> None:
    found = match_headers([*headers("en"), "Ghi chú"])
    assert found.ignored == ("Ghi chú",)


def test_missing_required_column_is_named_in_both_languages() -> None:
    with pytest.raises(Invalid) as err:
        match_headers(["Type", "Serial", "Manufacturer", "Owner", "Site"])
    assert "Mã đơn vị hành chính / Unit code" in err.value.message
    assert err.value.message_vi.startswith("Thiếu cột bắt buộc")


def test_the_same_column_twice_is_refused() -> None:
    with pytest.raises(Invalid) as err:
        match_headers([*headers("en"), "Số sản xuất"])
    assert "Số sản xuất" in err.value.message


def test_units_come_from_the_header_or_the_table() -> None:
    cells = ["Type", "Serial", "Manufacturer", "Owner", "Site", "Unit code"]
    found = match_headers([*cells, "Max (kg)", "e (g)", "d_g", "Qmax (lít/phút)", "MMQ"])
    assert (found.units["max_g"], found.units["e_g"], found.units["d_g"]) == (KG, G, G)
    assert (found.units["qmax_lpm"], found.units["mmq_l"]) == (L_PER_MIN, None)
    assert found.label("max_g") == "Max (kg)"
    assert match_headers([*cells, "Mức cân lớn nhất (tấn)"]).units == {"max_g": T}
    # A bare one-letter stem is not taken for e or d.
    assert match_headers([*cells, "E", "D"]).ignored == ("E", "D")


@pytest.mark.parametrize(
    ("header", "reason"),
    [("Max (L)", "the unit must measure what g measures"), ("Max (lb)", "Unknown unit")],
)
def test_a_header_unit_of_another_kind_or_unknown_is_refused(header: str, reason: str) -> None:
    cells = ["Type", "Serial", "Manufacturer", "Owner", "Site", "Unit code"]
    with pytest.raises(Invalid) as err:
        match_headers([*cells, header])
    assert header in err.value.message
    assert reason in err.value.message
