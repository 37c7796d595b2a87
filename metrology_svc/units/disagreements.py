"""Where the two packages disagree on the 2025 list: codes and spellings.

`vietnam-provinces` (our list) and `vietnamadminunits` (the converter) agree on every province
and on every commune's name, but give about a hundred communes outside Hà Tĩnh different codes,
and spell some names differently (tone mark placement, dashes). The table is regenerated with
`metrology-svc units disagreements` and pinned by a test, so a package upgrade is noticed.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from metrology_svc.units import national, package_data, rules

DISAGREEMENTS_2025 = Path(__file__).parent / "data" / "disagreements_2025.csv"
COLUMNS = ["kind", "province_code", "code_ours", "name_ours", "code_theirs", "name_theirs"]


@dataclass(frozen=True)
class Disagreement:
    """One commune the packages list differently.

    kind "code": the same commune (by province and name) under two codes; "spelling": the same
    code and commune spelt differently; "unmatched": a name one package has and the other lacks.
    """

    kind: str
    province_code: str
    code_ours: str
    name_ours: str
    code_theirs: str
    name_theirs: str


def find(ours: list[national.ListedUnit], theirs: list[package_data.NewWard]) -> list[Disagreement]:
    """Return every commune the two lists name or number differently."""
    communes = [u for u in ours if u.level == "commune"]
    index = rules.NameIndex((u.parent_code or "", u.name, u.code) for u in communes)
    by_code = {u.code: u for u in communes}
    out: list[Disagreement] = []
    matched: set[str] = set()
    for w in theirs:
        code = index.find(w.province_code, w.name)
        if code is None:
            out.append(Disagreement("unmatched", w.province_code, "", "", w.code, w.name))
            continue
        matched.add(code)
        mine = by_code[code]
        if code != w.code:
            out.append(Disagreement("code", w.province_code, code, mine.name, w.code, w.name))
        elif mine.name != w.name:
            out.append(Disagreement("spelling", w.province_code, code, mine.name, w.code, w.name))
    for u in communes:
        if u.code not in matched:
            out.append(Disagreement("unmatched", u.parent_code or "", u.code, u.name, "", ""))
    return sorted(out, key=lambda d: (d.kind, d.province_code, d.code_ours, d.code_theirs))


def current() -> list[Disagreement]:
    """Return the disagreements between the installed versions of the two packages."""
    return find(list(national.read_2025().units), package_data.read().new)


def write(path: Path, rows: list[Disagreement]) -> None:
    """Write the table as UTF-8 CSV."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        out.writerows([getattr(d, c) for c in COLUMNS] for d in rows)


def read(path: Path = DISAGREEMENTS_2025) -> list[Disagreement]:
    """Read a table written by `write`."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [Disagreement(**{c: r[c] for c in COLUMNS}) for r in csv.DictReader(fh)]
