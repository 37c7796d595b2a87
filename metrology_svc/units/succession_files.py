"""Succession files: old unit -> new unit, as CSV.

A succession file has one row per (old unit, new unit) pair; an old unit's rows say whether it
went whole into one new unit or was split (share "part", one row marked is_default). Files are
UTF-8 CSV (a BOM, as Excel writes it, is accepted). Reading checks every row and refuses the
whole file, naming the rows, in both languages.
"""

import csv
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from metrology_svc.core.errors import Invalid
from metrology_svc.units.records import SuccessionRow

DATA_DIR = Path(__file__).parent / "data"
MAX_ROWS = 50_000
COLUMNS = [
    *("old_code", "old_name", "old_level", "old_division_type", "old_parent_code", "new_code"),
    *("new_name", "share", "is_default", "resolution", "resolution_date", "effective_on"),
    "source",
]
_LEVELS = ("province", "district", "commune")
_TRUE, _FALSE = ("1", "true", "yes", "có", "x"), ("", "0", "false", "no", "không")


def shipped(province_code: str) -> Path:
    """Return the path of the succession file shipped for a province (may not exist)."""
    return DATA_DIR / f"succession_{province_code}.csv"


def write_rows(path: Path, rows: Iterable[SuccessionRow]) -> int:
    """Write succession rows to a UTF-8 CSV; return how many."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow(
                [
                    *(r.old_code, r.old_name, r.old_level, r.old_division_type, r.old_parent_code),
                    *(r.new_code, r.new_name, r.share, "true" if r.is_default else "false"),
                    r.resolution,
                    r.resolution_date.isoformat() if r.resolution_date else "",
                    r.effective_on.isoformat(),
                    r.source,
                ]
            )
            count += 1
    return count


def _date(text: str, *, required: bool) -> date | None:
    text = text.strip()
    if not text and not required:
        return None
    return date.fromisoformat(text)


def _row(cells: dict[str, str]) -> SuccessionRow:
    share = cells["share"].strip().lower()
    default = cells["is_default"].strip().lower()
    level = cells["old_level"].strip()
    if share not in ("whole", "part") or level not in _LEVELS:
        raise ValueError("share must be whole|part, old_level province|district|commune")
    if default not in _TRUE + _FALSE:
        raise ValueError("is_default must be true or false")
    effective = _date(cells["effective_on"], required=True)
    assert effective is not None
    row = SuccessionRow(
        old_code=cells["old_code"].strip(),
        old_name=" ".join(cells["old_name"].split()),
        old_level=level,
        old_division_type=cells["old_division_type"].strip(),
        old_parent_code=cells["old_parent_code"].strip(),
        new_code=cells["new_code"].strip(),
        new_name=" ".join(cells["new_name"].split()),
        share=share,
        is_default=default in _TRUE,
        resolution=cells["resolution"].strip(),
        resolution_date=_date(cells["resolution_date"], required=False),
        effective_on=effective,
        source=cells["source"].strip(),
    )
    if not (row.old_code.isdigit() and row.new_code.isdigit() and row.old_name and row.source):
        raise ValueError("old_code and new_code must be digits; old_name and source are needed")
    if level != "province" and not row.old_parent_code:
        raise ValueError("a district or commune needs old_parent_code")
    return row


def _refuse(problems: list[str]) -> Invalid:
    shown = "; ".join(problems[:10]) + (f" (+{len(problems) - 10})" if len(problems) > 10 else "")
    return Invalid(
        f"The succession file was refused: {shown}",
        message_vi=f"Tệp kế thừa đơn vị bị từ chối: {shown}",
        loc=["file"],
    )


def check_shares(rows: list[SuccessionRow]) -> list[str]:
    """Return the old units whose rows disagree: a whole share among several, or no default."""
    by_old: dict[str, list[SuccessionRow]] = defaultdict(list)
    for r in rows:
        by_old[r.old_code].append(r)
    problems = []
    for code, group in by_old.items():
        if len({r.new_code for r in group}) != len(group):
            problems.append(f"{code}: new_code twice")
        elif len(group) > 1 and any(r.share == "whole" for r in group):
            problems.append(f"{code}: 'whole' but {len(group)} successors")
        elif sum(r.is_default for r in group) != 1:
            problems.append(f"{code}: needs exactly one is_default")
    return problems


def read_rows(path: Path) -> list[SuccessionRow]:
    """Read and check a succession file; refuse it whole (Invalid) if any row is wrong."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise _refuse([f"missing columns / thiếu cột: {', '.join(missing)}"])
        rows, problems = [], []
        for number, cells in enumerate(reader, start=2):
            if number > MAX_ROWS + 1:
                raise _refuse([f"more than {MAX_ROWS} rows / quá {MAX_ROWS} dòng"])
            try:
                rows.append(_row({k: v or "" for k, v in cells.items() if k}))
            except ValueError as exc:
                problems.append(f"row/dòng {number}: {exc}")
    problems += check_shares(rows)
    if problems:
        raise _refuse(problems)
    return rows
