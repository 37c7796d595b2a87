"""A table version is refused with a clear reason: gaps, overlaps, falling values, no units."""

from typing import Any

import pytest

from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.cells import CellError, parse_decimal

RETAIL = catalogue.SPECS["retail_division"]


def _retail(*bands: tuple[Any, Any, Any]) -> list[dict[str, Any]]:
    return [
        {"goods_mass_from_g": a, "goods_mass_to_g": b, "max_division_g": d} for a, b, d in bands
    ]


def _problems(spec: catalogue.TableSpec, rows: list[dict[str, Any]]) -> list[str]:
    return [p.en for p in catalogue.parse_rows(spec, rows)[1]]


def test_a_good_table_passes() -> None:
    rows, problems = catalogue.parse_rows(RETAIL, _retail((40, 100, 2), ("100", "200", "5")))
    assert problems == []
    assert [catalogue.stored(r) for r in rows][1] == {
        "goods_mass_from_g": "100",
        "goods_mass_to_g": "200",
        "max_division_g": "5",
    }


def test_gap_overlap_and_falling_values_are_refused() -> None:
    assert _problems(RETAIL, _retail((40, 100, 2), (150, 200, 5))) == [
        "gap: nothing covers 100 … 150"
    ]
    assert _problems(RETAIL, _retail((40, 100, 2), (90, 200, 5))) == [
        "overlap: 90 … 100 is covered twice"
    ]
    assert _problems(RETAIL, _retail((40, 100, 5), (100, 200, 2))) == [
        "max_division_g falls from 5 to 2: the table must be monotonic"
    ]


def test_mpe_bands_start_at_zero_and_only_the_last_is_open() -> None:
    spec = catalogue.SPECS["scale_mpe"]
    row = {"accuracy_class": "III", "mpe_e": "0.5", "in_service_factor": 2}
    rows = [{**row, "load_from_e": 10, "load_to_e": None}, {**row, "load_from_e": 500}]
    assert _problems(spec, rows) == [
        "the first band (class III) must start at 0",
        "only the last band (class III) may be open-ended (overlap)",
    ]


def test_columns_must_state_their_units() -> None:
    rows = [{"goods_mass_from": 40, "goods_mass_to_g": 100, "max_division_g": 2}]
    found = _problems(RETAIL, rows)
    assert found[0].startswith("column 'goods_mass_from' is not part of table retail_division")
    assert "goods_mass_from_g (g)" in found[0]
    assert found[1] == "column goods_mass_from_g (g) is missing"


def test_cells_and_row_statuses_are_checked() -> None:
    rows = _retail((40, "1.500", 2), (1500, 2000, "x"))
    rows[0]["status"] = "maybe"
    found = _problems(RETAIL, rows)
    assert any("'1.500' is ambiguous" in p for p in found)
    assert "'x' is not a number" in found
    assert any(p.startswith("status must be one of sourced") for p in found)


def test_shortfall_allowance_must_not_fall_at_a_band_edge() -> None:
    spec = catalogue.SPECS["shortfall"]
    rows = [
        {"nominal_from_g": 5, "nominal_to_g": 50, "deficiency_percent": 9},
        {"nominal_from_g": 50, "nominal_to_g": 100, "deficiency_g": 4},  # 4.5 g → 4 g
    ]
    assert _problems(spec, rows) == [
        "the permitted shortfall falls at 50 g: the table must be monotonic"
    ]


def test_cycles_name_each_type_once() -> None:
    spec = catalogue.SPECS["cycles"]
    rows = [{"type_code": "taximeter", "cycle_months": 12}] * 2
    assert _problems(spec, rows) == ["taximeter appears twice"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0,5", "0.5"),
        ("0.5", "0.5"),
        ("15000", "15000"),
        ("0,045", "0.045"),
        ("6000.001", "6000.001"),
        (12, "12"),
        (0.3, "0.3"),
    ],
)
def test_numbers_read_the_way_offices_write_them(text: object, value: str) -> None:
    assert str(parse_decimal(text)) == value


@pytest.mark.parametrize("text", ["15.000", "1,500", "nan", "inf", "1e3", float("nan"), True])
def test_ambiguous_or_non_finite_numbers_are_refused(text: object) -> None:
    with pytest.raises(CellError):
        parse_decimal(text)
