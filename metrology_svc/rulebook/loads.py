"""Required test loads of a verification: the table's structure check and the pure matching.

A row asks for one test point whose reference lies in [load_from, load_to] × a basis of the
instrument: Min (the class's minimum capacity), Max, e (scales) or the minimum measured
quantity (dispensers). Each point counts for one required load only.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metrology_svc.rulebook.cells import Problem
from metrology_svc.rulebook.rules import NoRuleError, num

CATEGORIES = ("scale", "dispenser")
BASES = ("min", "max", "e", "mmq")
BASES_OF = {"scale": ("min", "max", "e"), "dispenser": ("mmq",)}
BASIS_NAMES = {"min": "Min", "max": "Max", "e": "e", "mmq": "MMQ"}
BASIS_NAMES_VI = {"min": "Min", "max": "Max", "e": "e", "mmq": "lượng đo nhỏ nhất"}

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RequiredLoad:
    """One row: a load in [load_from, load_to] × basis (no upper end: at least load_from)."""

    category: str
    label: str
    procedure: str
    basis: str
    load_from: Decimal
    load_to: Decimal | None


@dataclass(frozen=True, slots=True)
class Band:
    """A required load in the verification's unit, for one instrument."""

    label: str
    low: Decimal
    high: Decimal | None
    unit: str

    def describe(self) -> str:
        """Return the load range, e.g. "6000 … 9000 g" or "≥ 2000 mL"."""
        if self.high is None:
            return f"≥ {num(self.low)} {self.unit}"
        if self.high == self.low:
            return f"{num(self.low)} {self.unit}"
        return f"{num(self.low)} … {num(self.high)} {self.unit}"

    def holds(self, value: Decimal) -> bool:
        """Tell whether a reference lies in the band (both ends included)."""
        return value >= self.low and (self.high is None or value <= self.high)


def required(row: Mapping[str, Any]) -> RequiredLoad:
    """Return a typed table row as a RequiredLoad."""
    return RequiredLoad(
        row["category"],
        row["label"],
        row["procedure"],
        row["basis"],
        row["load_from"],
        row["load_to"],
    )


def bands(loads: Sequence[RequiredLoad], *, bases: Mapping[str, Decimal], unit: str) -> list[Band]:
    """Return the required loads in the unit of the points, given the instrument's bases."""
    out = []
    for load in loads:
        base = bases.get(load.basis)
        if base is None:
            raise NoRuleError(
                f"the required load {load.label!r} needs the instrument's "
                f"{BASIS_NAMES[load.basis]}",
                vi=f"mức tải bắt buộc {load.label!r} cần {BASIS_NAMES_VI[load.basis]} "
                "của phương tiện",
            )
        high = None if load.load_to is None else load.load_to * base
        out.append(Band(load.label, load.load_from * base, high, unit))
    return out


def missing(required_bands: Sequence[Band], references: Sequence[Decimal]) -> list[Band]:
    """Return the bands no point covers, each point covering one band at most.

    Greedy by the band's upper end, taking the smallest free point inside: this matches as
    many bands as any assignment can (points and intervals).
    """
    free = sorted(references)
    order = sorted(
        range(len(required_bands)),
        key=lambda i: (required_bands[i].high is None, required_bands[i].high or 0, i),
    )
    lacking: set[int] = set()
    for i in order:
        band = required_bands[i]
        taken = next((k for k, value in enumerate(free) if band.holds(value)), None)
        if taken is None:
            lacking.add(i)
        else:
            free.pop(taken)
    return [b for i, b in enumerate(required_bands) if i in lacking]


def _p(index: int | None, key: str, en: str, vi: str) -> Problem:
    loc: tuple[str | int, ...] = ("rows", index, key) if index is not None else ("rows",)
    return Problem(loc, en, vi)


def _row_problems(index: int, row: Row) -> list[Problem]:
    out = []
    if row["basis"] not in BASES_OF[row["category"]]:
        allowed = ", ".join(BASES_OF[row["category"]])
        out.append(
            _p(
                index,
                "basis",
                f"a {row['category']} load is a multiple of {allowed}",
                f"mức tải của {row['category']} là bội số của {allowed}",
            )
        )
    low, high = row["load_from"], row["load_to"]
    if low < 0:
        out.append(_p(index, "load_from", "must be 0 or more", "phải từ 0 trở lên"))
    if high is not None and high < low:
        out.append(
            _p(index, "load_to", "must not be below load_from", "không được nhỏ hơn load_from")
        )
    if row["basis"] == "max" and (high is None or high > 1):
        out.append(
            _p(
                index,
                "load_to",
                "a load beyond Max is not a test load: load_to ≤ 1 × Max",
                "tải vượt Max không phải tải thử: load_to ≤ 1 × Max",
            )
        )
    return out


def check(rows: Sequence[Row]) -> list[Problem]:
    """Check a required-loads table: bases fit the category, ranges sane, every category there."""
    out: list[Problem] = []
    labels: dict[str, set[str]] = defaultdict(set)
    for index, row in enumerate(rows):
        out += _row_problems(index, row)
        if row["label"] in labels[row["category"]]:
            out.append(
                _p(
                    index,
                    "label",
                    f"{row['label']} appears twice for {row['category']}",
                    f"{row['label']} xuất hiện hai lần cho {row['category']}",
                )
            )
        labels[row["category"]].add(row["label"])
    absent = [c for c in CATEGORIES if not labels[c]]
    if absent:
        out.append(
            _p(
                None,
                "category",
                f"every category needs its required loads; missing: {', '.join(absent)}",
                f"mọi nhóm phải có mức tải bắt buộc; còn thiếu: {', '.join(absent)}",
            )
        )
    return out
