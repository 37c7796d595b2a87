"""The kinds of rule table: their columns with units, titles, and what makes a version valid."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metrology_svc.rulebook import checks, loads
from metrology_svc.rulebook.cells import (
    CellError,
    Problem,
    canonical,
    is_blank,
    parse_decimal,
    parse_int,
)
from metrology_svc.rulebook.rules import STATUSES

CLASSES = ("I", "II", "III", "IIII")
STAGES = ("verification", "in_service")
META = ("effective_from", "status", "source")  # per-row columns besides the table's own
TYPE_CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its name (carrying the unit), the unit, the kind of value, and choices."""

    name: str
    unit: str
    kind: str = "decimal"  # "decimal" | "int" | "text"
    required: bool = True
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return the name with its unit, e.g. "load_from_e (e)"."""
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A kind of rule table: code, titles (Vietnamese first), columns and a structure check."""

    code: str
    title: str
    title_en: str
    columns: tuple[Column, ...]
    check: Callable[[Sequence[Row]], list[Problem]]

    @property
    def units(self) -> dict[str, str]:
        """Return the unit of each column that has one."""
        return {c.name: c.unit for c in self.columns if c.unit}

    def describe(self) -> str:
        """Return the expected columns with their units."""
        return ", ".join(c.describe() for c in self.columns)


def _text(name: str, *, choices: tuple[str, ...] = ()) -> Column:
    return Column(name, "", "text", True, choices)


SPECS: dict[str, TableSpec] = {
    s.code: s
    for s in (
        TableSpec(
            "cycles",
            "Chu kỳ kiểm định (TT 23/2013/TT-BKHCN và sửa đổi)",
            "Verification cycles (Circular 23/2013 as amended)",
            (_text("type_code"), Column("cycle_months", "months", "int")),
            checks.cycles,
        ),
        TableSpec(
            "scale_mpe",
            "ĐLVN 30:2019 / R 76 bảng 6",
            "ĐLVN 30:2019 / R 76 Table 6 (scale MPE)",
            (
                _text("accuracy_class", choices=CLASSES),
                Column("load_from_e", "e"),
                Column("load_to_e", "e", required=False),
                Column("mpe_e", "e"),
                Column("in_service_factor", "×"),
            ),
            checks.scale_mpe,
        ),
        TableSpec(
            "scale_classes",
            "R 76 bảng 3 (cấp chính xác)",
            "R 76 Table 3 (accuracy classes)",
            (
                _text("accuracy_class", choices=CLASSES),
                Column("e_min_g", "g"),
                Column("e_max_g", "g", required=False),
                Column("n_min", "e"),
                Column("n_max", "e", required=False),
                Column("min_capacity_e", "e"),
            ),
            checks.scale_classes,
        ),
        TableSpec(
            "dispenser_mpe",
            "ĐLVN 10 / TT 15/2015 (cột đo)",
            "ĐLVN 10 / Circular 15/2015 (dispenser MPE)",
            (_text("type_code"), _text("stage", choices=STAGES), Column("mpe_percent", "%")),
            checks.dispenser_mpe,
        ),
        TableSpec(
            "required_loads",
            "Mức tải thử bắt buộc khi kiểm định",
            "Required test loads of a verification",
            (
                _text("category", choices=loads.CATEGORIES),
                _text("label"),
                _text("procedure"),
                _text("basis", choices=loads.BASES),
                Column("load_from", "× basis"),
                Column("load_to", "× basis", required=False),
            ),
            loads.check,
        ),
        TableSpec(
            "retail_division",
            "TT 09/2017 bảng 1 (độ chia theo khối lượng hàng)",
            "Circular 09/2017 Table 1 (retail scale division)",
            (
                Column("goods_mass_from_g", "g"),
                Column("goods_mass_to_g", "g"),
                Column("max_division_g", "g"),
            ),
            checks.retail_division,
        ),
        TableSpec(
            "shortfall",
            "OIML R 87 (lượng thiếu, tham khảo)",
            "OIML R 87 tolerable deficiency (reference)",
            (
                Column("nominal_from_g", "g"),
                Column("nominal_to_g", "g", required=False),
                Column("deficiency_percent", "%", required=False),
                Column("deficiency_g", "g", required=False),
            ),
            checks.shortfall,
        ),
        TableSpec(
            "gold_division",
            "TT 22/2013 bảng 1 (cân vàng)",
            "Circular 22/2013 Table 1 (gold scale division)",
            (
                Column("max_from_g", "g"),
                Column("max_to_g", "g", required=False),
                Column("max_e_mg", "mg"),
            ),
            checks.gold_division,
        ),
        TableSpec(
            "gold_limit",
            "TT 22/2013 bảng 2 (giới hạn phép đo vàng)",
            "Circular 22/2013 Table 2 (gold measurement limit)",
            (
                Column("mass_g", "g"),
                Column("limit_mg", "mg", required=False),
                Column("limit_percent", "%", required=False),
            ),
            checks.gold_limit,
        ),
    )
}


def spec_for(code: str) -> TableSpec | None:
    """Return the kind of table with this code."""
    return SPECS.get(code)


def _cell(column: Column, value: Any) -> Any:
    if column.kind == "text":
        text = str(value).strip()
        if column.choices and text not in column.choices:
            raise CellError(
                f"{text!r} is not one of {', '.join(column.choices)}",
                f"{text!r} không thuộc {', '.join(column.choices)}",
            )
        if column.name == "type_code" and not TYPE_CODE.fullmatch(text):
            raise CellError(f"{text!r} is not a type code", f"{text!r} không phải mã loại")
        return text
    if column.kind == "int":
        return parse_int(value)
    return parse_decimal(value)


def _unknown_columns(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> list[Problem]:
    known = {c.name for c in spec.columns} | set(META)
    seen = {k for row in rows for k in row}
    out = [
        Problem(
            ("columns", name),
            f"column {name!r} is not part of table {spec.code}: the columns, with their units "
            f"in the name, are {spec.describe()}",
            f"cột {name!r} không thuộc bảng {spec.code}: các cột (đơn vị trong tên) là "
            f"{spec.describe()}",
        )
        for name in sorted(seen - known)
    ]
    for column in spec.columns:
        if column.required and column.name not in seen:
            out.append(
                Problem(
                    ("columns", column.name),
                    f"column {column.describe()} is missing",
                    f"thiếu cột {column.describe()}",
                )
            )
    return out


def _row(spec: TableSpec, index: int, raw: Mapping[str, Any]) -> tuple[Row, list[Problem]]:
    row: Row = {}
    problems: list[Problem] = []
    for column in spec.columns:
        value = raw.get(column.name)
        if is_blank(value):
            row[column.name] = None
            if column.required:
                problems.append(Problem(("rows", index, column.name), "is empty", "bị bỏ trống"))
            continue
        try:
            row[column.name] = _cell(column, value)
        except CellError as exc:
            problems.append(Problem(("rows", index, column.name), exc.en, exc.vi))
    status = raw.get("status")
    if not is_blank(status):
        if str(status).strip() not in STATUSES:
            problems.append(
                Problem(
                    ("rows", index, "status"),
                    f"status must be one of {', '.join(STATUSES)}",
                    f"trạng thái phải là một trong {', '.join(STATUSES)}",
                )
            )
        row["status"] = str(status).strip()
    if not is_blank(raw.get("source")):
        row["source"] = str(raw["source"]).strip()[:400]
    return row, problems


def parse_rows(
    spec: TableSpec, raw_rows: Sequence[Mapping[str, Any]]
) -> tuple[list[Row], list[Problem]]:
    """Read and check the rows of a table version; return typed rows and every problem found."""
    if not raw_rows:
        return [], [Problem(("rows",), "the table has no rows", "bảng không có dòng nào")]
    problems = _unknown_columns(spec, raw_rows)
    rows: list[Row] = []
    for index, raw in enumerate(raw_rows):
        row, found = _row(spec, index, raw)
        rows.append(row)
        problems += found
    if not problems:
        problems = spec.check(rows)
    return rows, problems


def stored(row: Row) -> dict[str, str]:
    """Return a typed row as stored (JSON): exact decimal text, empty cells left out."""
    out: dict[str, str] = {}
    for key, value in row.items():
        if value is None:
            continue
        out[key] = canonical(value) if isinstance(value, Decimal) else str(value)
    return out
