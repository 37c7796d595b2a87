"""Derive the succession old unit -> 2025 unit from the package's data (no database).

Rows: each old commune -> the 2025 commune(s) it went to (whole, or part with one default),
each old district -> every 2025 commune its communes went to (part; default: the one most of
them went to), each old province -> its 2025 province (whole).
"""

from dataclasses import replace
from typing import Any

from metrology_svc.units import national, resolutions
from metrology_svc.units.package_data import OldWard
from metrology_svc.units.package_index import legacy_index, our_2025, ours, package
from metrology_svc.units.records import LegacyUnit, SuccessionRow


def _province_successor(old_province: str) -> str | None:
    """Return the 2025 province an old province went into (provinces merged whole)."""
    data = package()
    for w in data.old:
        if w.province_code != old_province:
            continue
        found = [ours(s.ward) for s in data.successors_of(w)]
        if found and found[0] is not None:
            return found[0].parent_code
    return None


def _targets(old: OldWard) -> list[tuple[national.ListedUnit, bool, bool | None]]:
    """Return (our 2025 commune, is_default, whole) for each place an old commune went."""
    out = []
    for s in package().successors_of(old):
        unit = ours(s.ward)
        if unit is None:
            raise LookupError(f"{s.ward.name} ({s.ward.province}) is not in our 2025 list")
        out.append((unit, s.is_default, s.whole))
    return out


def _row(unit: LegacyUnit, new: national.ListedUnit, share: str, default: bool) -> SuccessionRow:
    return SuccessionRow(
        old_code=unit.code,
        old_name=unit.name,
        old_level=unit.level,
        old_division_type=unit.division_type,
        old_parent_code=unit.parent_code or "",
        new_code=new.code,
        new_name=new.name,
        share=share,
        is_default=default,
    )


def _commune_rows(old: OldWard, targets: list[Any]) -> list[SuccessionRow]:
    legacy = legacy_index()
    unit = legacy[old.code] if old.code else legacy[old.district_code]  # island district
    whole = len(targets) == 1 and targets[0][2] is True
    return [_row(unit, new, "whole" if whole else "part", default) for new, default, _ in targets]


def _district_rows(rows: list[SuccessionRow]) -> list[SuccessionRow]:
    """Each old district -> every new commune its communes went to; default: the most of them."""
    legacy, _index = legacy_index(), our_2025()[1]
    by_district: dict[str, dict[str, list[SuccessionRow]]] = {}
    for r in rows:
        if r.old_level == "commune":
            by_district.setdefault(r.old_parent_code, {}).setdefault(r.new_code, []).append(r)
    out = []
    for district, targets in sorted(by_district.items()):
        ranked = sorted(targets, key=lambda code: (-len(targets[code]), code))
        whole = len(ranked) == 1 and all(r.share == "whole" for r in targets[ranked[0]])
        for code in ranked:
            share = "whole" if whole else "part"
            out.append(_row(legacy[district], _index[code], share, code == ranked[0]))
    return out


def _with_resolution(row: SuccessionRow, province_code: str, label: str) -> SuccessionRow:
    level = "province" if row.old_level == "province" else "commune"
    found = resolutions.resolution_for(level, province_code)
    if found is None:
        source = f"{label}; số nghị quyết chưa biết / resolution number not known"
        return replace(row, source=source)
    source = f"{label}; NQ: {found.source} ({found.source_status})"
    return replace(
        row,
        resolution=found.resolution,
        resolution_date=found.resolution_date,
        effective_on=found.effective_on,
        source=source[:300],
    )


def derived_succession(province_code: str) -> list[SuccessionRow]:
    """Derive old unit -> new unit rows for the old units that went into a 2025 province.

    Rows: each old commune -> the 2025 commune(s) it went to (whole, or part with one
    default), each old district -> every 2025 commune its communes went to (part, default: the
    one most of them went to), each old province -> the 2025 province (whole). Resolutions come
    from `data/resolutions_2025.csv` when known, else stay blank (the source says so).
    """
    by_code = our_2025()[1]
    province = by_code.get(province_code)
    if province is None or province.level != "province":
        raise ValueError(f"{province_code} is not a province of the 2025 list")
    data = package()
    every = {w.province_code for w in data.old}
    old_provinces = sorted(p for p in every if _province_successor(p) == province_code)
    rows: list[SuccessionRow] = []
    for old in (w for w in data.old if w.province_code in old_provinces):
        targets = [t for t in _targets(old) if t[0].parent_code == province_code]
        rows += _commune_rows(old, targets)
    rows += _district_rows(rows)
    legacy = legacy_index()
    rows += [_row(legacy[p], province, "whole", True) for p in old_provinces]
    rows = [_with_resolution(r, province_code, data.label) for r in rows]
    order = {"province": 0, "district": 1, "commune": 2}
    return sorted(
        rows, key=lambda r: (order[r.old_level], r.old_code, not r.is_default, r.new_code)
    )


def successions_of(old_code: str) -> list[SuccessionRow]:
    """Return where one old unit (province, district or commune) went, default first.

    The rows carry no resolution: `derived_succession` fills those for a whole province.
    """
    unit = legacy_index().get(old_code)
    if unit is None:
        return []
    data = package()
    if unit.level == "province":
        new = _province_successor(unit.code)
        province = our_2025()[1].get(new) if new else None
        return [_row(unit, province, "whole", True)] if province else []
    if unit.level == "commune":
        old = next(w for w in data.old if w.code == unit.code)
        return _commune_rows(old, _targets(old))
    wards = [w for w in data.old if w.district_code == unit.code]
    rows = [r for w in wards for r in _commune_rows(w, _targets(w))]
    if any(r.old_level == "district" for r in rows):  # an island district without communes
        return rows
    return _district_rows(rows)
