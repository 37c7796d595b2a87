"""Structure checks of a rule table version: no gaps or overlaps, monotonic, unique keys."""

import itertools
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from metrology_svc.rulebook.cells import Problem

Row = dict[str, Any]


def _p(index: int | None, key: str, en: str, vi: str) -> Problem:
    loc: tuple[str | int, ...] = ("rows", index, key) if index is not None else ("rows", key)
    return Problem(loc, en, vi)


def _groups(rows: Sequence[Row], key: str | None) -> dict[str, list[tuple[int, Row]]]:
    out: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    for index, row in enumerate(rows):
        out[str(row[key]) if key else ""].append((index, row))
    return out


def _join(i: int, row: Row, j: int, nxt: Row, low: str, high: str, where: str) -> Problem | None:
    top = row[high]
    if top is None:
        return _p(
            i,
            high,
            f"only the last band{where} may be open-ended (overlap)",
            f"chỉ dải cuối{where} được để trống cận trên (chồng lấn)",
        )
    if nxt[low] > top:
        return _p(
            j,
            low,
            f"gap{where}: nothing covers {top} … {nxt[low]}",
            f"khoảng trống{where}: không dải nào phủ {top} … {nxt[low]}",
        )
    if nxt[low] < top:
        return _p(
            j,
            low,
            f"overlap{where}: {nxt[low]} … {top} is covered twice",
            f"chồng lấn{where}: {nxt[low]} … {top} bị phủ hai lần",
        )
    return None


def contiguous(
    rows: Sequence[Row], *, low: str, high: str, group: str | None = None, start: Decimal | None
) -> list[Problem]:
    """Check bands (low, high] per group: they join end to end, only the last is open-ended."""
    problems: list[Problem] = []
    for name, members in _groups(rows, group).items():
        where = f" (class {name})" if group else ""
        members.sort(key=lambda m: m[1][low])
        first_index, first = members[0]
        if start is not None and first[low] != start:
            problems.append(
                _p(
                    first_index,
                    low,
                    f"the first band{where} must start at {start}",
                    f"dải đầu tiên{where} phải bắt đầu từ {start}",
                )
            )
        for i, row in members:
            if row[high] is not None and row[high] <= row[low]:
                problems.append(
                    _p(i, high, f"{high} must be above {low}", f"{high} phải lớn hơn {low}")
                )
        for (i, row), (j, nxt) in itertools.pairwise(members):
            found = _join(i, row, j, nxt, low, high, where)
            if found is not None:
                problems.append(found)
    return problems


def non_decreasing(
    rows: Sequence[Row], *, order: str, value: str, group: str | None = None
) -> list[Problem]:
    """Check that value never falls as order rises (per group)."""
    problems: list[Problem] = []
    for members in _groups(rows, group).values():
        members.sort(key=lambda m: m[1][order])
        for (_, row), (j, nxt) in itertools.pairwise(members):
            if nxt[value] < row[value]:
                problems.append(
                    _p(
                        j,
                        value,
                        f"{value} falls from {row[value]} to {nxt[value]}: "
                        "the table must be monotonic",
                        f"{value} giảm từ {row[value]} xuống {nxt[value]}: bảng phải đơn điệu",
                    )
                )
    return problems


def _positive(rows: Sequence[Row], key: str, *, below: Decimal | None = None) -> list[Problem]:
    out = []
    for i, row in enumerate(rows):
        v = row.get(key)
        if v is not None and (v <= 0 or (below is not None and v >= below)):
            limit = f" and below {below}" if below is not None else ""
            out.append(_p(i, key, f"must be above 0{limit}", f"phải lớn hơn 0{limit}"))
    return out


def _unique(rows: Sequence[Row], keys: tuple[str, ...]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for i, row in enumerate(rows):
        key = tuple(row[k] for k in keys)
        if key in seen:
            shown = ", ".join(str(k) for k in key)
            out.append(_p(i, keys[0], f"{shown} appears twice", f"{shown} xuất hiện hai lần"))
        seen.add(key)
    return out


def _one_of(rows: Sequence[Row], a: str, b: str) -> list[Problem]:
    return [
        _p(i, a, f"give exactly one of {a} and {b}", f"ghi đúng một trong {a} và {b}")
        for i, row in enumerate(rows)
        if (row.get(a) is None) == (row.get(b) is None)
    ]


def cycles(rows: Sequence[Row]) -> list[Problem]:
    """Check a cycles table: one row per type, 1 to 240 months."""
    out = _unique(rows, ("type_code",))
    out += [
        _p(i, "cycle_months", "must be 1 to 240 months", "phải từ 1 đến 240 tháng")
        for i, row in enumerate(rows)
        if not 1 <= row["cycle_months"] <= 240
    ]
    return out


def scale_mpe(rows: Sequence[Row]) -> list[Problem]:
    """Check R 76 Table 6: bands from 0 e per class, MPE rising, in-service factor ≥ 1."""
    out = contiguous(
        rows, low="load_from_e", high="load_to_e", group="accuracy_class", start=Decimal(0)
    )
    out += _positive(rows, "mpe_e")
    out += [
        _p(i, "in_service_factor", "must be at least 1", "phải từ 1 trở lên")
        for i, row in enumerate(rows)
        if row["in_service_factor"] < 1
    ]
    return out + non_decreasing(rows, order="load_from_e", value="mpe_e", group="accuracy_class")


def scale_classes(rows: Sequence[Row]) -> list[Problem]:
    """Check R 76 Table 3: e ranges per class do not overlap; n_min ≤ n_max."""
    out = _positive(rows, "e_min_g") + _positive(rows, "min_capacity_e")
    for i, row in enumerate(rows):
        if row["e_max_g"] is not None and row["e_max_g"] < row["e_min_g"]:
            out.append(_p(i, "e_max_g", "must not be below e_min_g", "không được nhỏ hơn e_min_g"))
        if row["n_min"] < 1 or (row["n_max"] is not None and row["n_max"] < row["n_min"]):
            out.append(_p(i, "n_max", "need 1 ≤ n_min ≤ n_max", "cần 1 ≤ n_min ≤ n_max"))
    for members in _groups(rows, "accuracy_class").values():
        members.sort(key=lambda m: m[1]["e_min_g"])
        for (_, row), (j, nxt) in itertools.pairwise(members):
            if row["e_max_g"] is None or row["e_max_g"] >= nxt["e_min_g"]:
                out.append(
                    _p(
                        j,
                        "e_min_g",
                        f"e ranges of class {row['accuracy_class']} overlap",
                        f"các khoảng e của cấp {row['accuracy_class']} chồng lấn",
                    )
                )
    return out


def dispenser_mpe(rows: Sequence[Row]) -> list[Problem]:
    """Check dispenser MPEs: one per type and stage, in service not below verification."""
    out = _unique(rows, ("type_code", "stage")) + _positive(rows, "mpe_percent", below=Decimal(100))
    by_key = {(r["type_code"], r["stage"]): (i, r["mpe_percent"]) for i, r in enumerate(rows)}
    for (code, stage), (i, percent) in by_key.items():
        first = by_key.get((code, "verification"))
        if stage == "in_service" and first is not None and percent < first[1]:
            out.append(
                _p(
                    i,
                    "mpe_percent",
                    "in service must not be below verification (monotonic)",
                    "khi sử dụng không được nhỏ hơn khi kiểm định",
                )
            )
    return out


def _bands(
    rows: Sequence[Row], low: str, high: str, value: str, start: Decimal | None
) -> list[Problem]:
    out = contiguous(rows, low=low, high=high, start=start) + _positive(rows, value)
    return out + non_decreasing(rows, order=low, value=value)


def retail_division(rows: Sequence[Row]) -> list[Problem]:
    """Check Circular 09/2017 Table 1: contiguous goods masses, division rising."""
    return _bands(rows, "goods_mass_from_g", "goods_mass_to_g", "max_division_g", None)


def gold_division(rows: Sequence[Row]) -> list[Problem]:
    """Check Circular 22/2013 Table 1: contiguous Max ranges from 0, e rising."""
    return _bands(rows, "max_from_g", "max_to_g", "max_e_mg", Decimal(0))


def _permitted(row: Row, mass: Decimal) -> Decimal:
    if row["deficiency_percent"] is not None:
        return Decimal(mass * row["deficiency_percent"] / 100)
    return Decimal(row["deficiency_g"])


def shortfall(rows: Sequence[Row]) -> list[Problem]:
    """Check a shortfall table: contiguous, percent or grams, the allowance never falling."""
    out = contiguous(rows, low="nominal_from_g", high="nominal_to_g", start=None)
    out += _one_of(rows, "deficiency_percent", "deficiency_g")
    out += _positive(rows, "deficiency_percent", below=Decimal(100)) + _positive(
        rows, "deficiency_g"
    )
    if out:
        return out
    ordered = sorted(enumerate(rows), key=lambda m: m[1]["nominal_from_g"])
    for (_, row), (j, nxt) in itertools.pairwise(ordered):
        edge = nxt["nominal_from_g"]
        if _permitted(nxt, edge) < _permitted(row, edge):
            out.append(
                _p(
                    j,
                    "nominal_from_g",
                    f"the permitted shortfall falls at {edge} g: the table must be monotonic",
                    f"lượng thiếu cho phép giảm tại {edge} g: bảng phải đơn điệu",
                )
            )
    return out


def gold_limit(rows: Sequence[Row]) -> list[Problem]:
    """Check Circular 22/2013 Table 2: masses rising, limits rising, the percent row last."""
    out = _one_of(rows, "limit_mg", "limit_percent") + _positive(rows, "mass_g")
    for i, (row, nxt) in enumerate(itertools.pairwise(rows), start=1):
        if nxt["mass_g"] <= row["mass_g"]:
            out.append(_p(i, "mass_g", "masses must rise row by row", "khối lượng phải tăng dần"))
        if row["limit_mg"] is None and nxt["limit_mg"] is not None:
            out.append(
                _p(
                    i,
                    "limit_percent",
                    "the percentage row must be the last",
                    "dòng phần trăm phải ở cuối",
                )
            )
    mg = [r for r in rows if r["limit_mg"] is not None]
    return out + non_decreasing(mg, order="mass_g", value="limit_mg")
