"""Quantities as offices write them: units in the cell, in words, in a unit column (ĐVT)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.core.quantities import KG, Convention, format_quantity
from metrology_svc.imports.cells import Bad, Cell
from metrology_svc.imports.columns import HeaderMap, match_headers
from metrology_svc.imports.numbers import parsers_for, row_parsers

BASE = ["Loại PTĐ", "Số máy", "Hãng SX", "Tên chủ hộ", "Tên chợ", "Mã ĐVHC"]
KG_HEADER = match_headers([*BASE, "Mức cân max (kg)"])
BARE_HEADER = match_headers([*BASE, "Mức cân max", "ĐVT"])


def grams(header: HeaderMap, cell: Cell, unit: str = "") -> float:
    """Return what the capacity cell of a row reads to, in grams (the stored unit)."""
    values: dict[str, Cell] = {"max_g": cell, "row_unit": unit}
    parsers = row_parsers(parsers_for(header, Convention.VI), values, header)
    return float(parsers["max_g"](cell))


def refusal(header: HeaderMap, cell: Cell, unit: str = "") -> tuple[str, str]:
    with pytest.raises(Bad) as err:
        grams(header, cell, unit)
    return err.value.vi, err.value.en


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("30", 30_000),
        (30, 30_000),
        ("30 kg", 30_000),
        ("30kg", 30_000),
        ("30 Kg", 30_000),
        ("30 KG", 30_000),
        ("30 ký", 30_000),
        ("30 kí", 30_000),
        ("30ký", 30_000),
        ("2,5 kg", 2_500),
        ("500 g", 500),  # a unit that contradicts the header's converts: same kind
        ("0,5 tấn", 500_000),
    ],
)
def test_a_kg_column_reads_units_as_offices_write_them(cell: Cell, expected: float) -> None:
    assert grams(KG_HEADER, cell) == expected


@pytest.mark.parametrize(
    ("cell", "unit", "expected"),
    [
        ("30", "kg", 30_000),
        ("30", "Kg", 30_000),
        ("30", "ký", 30_000),
        (15, "kg", 15_000),
        (2.5, "kg", 2_500),
        ("500", "g", 500),
        ("500 g", "kg", 500),  # the cell's own unit wins over the row's
        ("30 kg", "chiếc", 30_000),  # "chiếc" counts pieces: no unit from it
    ],
)
def test_a_unit_column_gives_a_bare_capacity_its_unit(
    cell: Cell, unit: str, expected: float
) -> None:
    assert grams(BARE_HEADER, cell, unit) == expected


def test_a_bare_capacity_without_a_unit_anywhere_is_refused_with_the_ways_to_give_one() -> None:
    assert refusal(BARE_HEADER, "30", "chiếc") == (
        "Tiêu đề cột không ghi đơn vị: hãy ghi đơn vị trong ô (ví dụ 15 kg), trong tiêu đề "
        "(ví dụ Max (g)) hoặc trong cột ĐVT",
        "The column header names no unit: write the unit in the cell (e.g. 15 kg), in the "
        "header (e.g. Max (g)) or in a unit column (ĐVT)",
    )


def test_a_row_unit_of_another_kind_gives_no_unit() -> None:
    # "lít" says nothing about a capacity in mass: the cell still needs its unit.
    assert refusal(BARE_HEADER, "30", "lít")[1].startswith("The column header names no unit")


@pytest.mark.parametrize("cell", ["ba mươi", "Ba mươi kg", "ba mươi lăm ký", "thirty", "hai trăm"])
def test_a_number_in_words_is_refused_with_a_reason(cell: str) -> None:
    vi, en = refusal(KG_HEADER, cell)
    assert vi == (
        f"“{cell}” là số viết bằng chữ, không đọc được: hãy viết bằng chữ số (ví dụ 30 kg, 500 g)"
    )
    assert en == (
        f"“{cell}” is not a number in digits: numbers written in words are not read; "
        "write it in digits (e.g. 30 kg, 500 g; stored in g)"
    )


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("30 lạng", "Unknown unit"),  # a lạng was not always 100 g: not guessed
        ("20 lít", "L cannot be converted to g"),
    ],
)
def test_units_that_are_not_certain_or_not_mass_are_refused(cell: str, reason: str) -> None:
    assert reason.casefold() in refusal(KG_HEADER, cell)[1].casefold()


# Values a capacity cell holds: up to 3 decimals in kg (grams), below a million kg.
KILOGRAMS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(999_999), places=3)
SPELLINGS = st.sampled_from(["{} kg", "{}kg", "{} Kg", "{} KG", "{} ký", "{}ký", "{} kí"])


@given(value=KILOGRAMS, spelling=SPELLINGS)
def test_a_number_with_its_unit_reads_as_the_same_number_without_it(
    value: Decimal, spelling: str
) -> None:
    bare = format_quantity(value, KG, convention=Convention.VI).removesuffix(" kg")
    written = spelling.format(bare)
    assert grams(KG_HEADER, written) == grams(KG_HEADER, bare) == float(value * 1000)
    assert grams(BARE_HEADER, bare, "kg") == grams(KG_HEADER, bare)
    # The same mass written in grams, in the kg column, converts to the same value.
    in_grams = format_quantity((value * 1000).normalize(), None, convention=Convention.VI)
    assert grams(KG_HEADER, f"{in_grams} g") == grams(KG_HEADER, bare)
