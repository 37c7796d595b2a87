"""Store the succession of units: old unit (2004 scheme) -> new unit (2025 scheme).

Rows come from a succession file (`succession_files.read_rows`), from the file shipped for a
province (`data/succession_42.csv`), or straight from `conversion.derived_succession`. Importing
is idempotent: a pair already stored is updated in place, never duplicated; an old unit a row
names that is not stored yet is created (from the row, its parents from the pre-2025 list);
nothing is deleted. The caller commits.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid
from metrology_svc.units import conversion, rules, succession_files
from metrology_svc.units.conversion import LegacyUnit, SuccessionRow
from metrology_svc.units.models import (
    AdminUnit,
    SuccessionShare,
    UnitLevel,
    UnitScheme,
    UnitSuccession,
)
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import SuccessionImport
from metrology_svc.units.schemes import THREE_TIER_SCHEME, TWO_TIER_SCHEME, scheme_by_key

_ORDER = {"province": 0, "district": 1, "commune": 2}


def _unit(scheme: UnitScheme, item: LegacyUnit, parent: AdminUnit | None) -> AdminUnit:
    return AdminUnit(
        code=item.code,
        name=item.name,
        level=UnitLevel(item.level),
        scheme=scheme.key,
        division_type=item.division_type,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else ''}{item.code}/",
        valid_from=scheme.valid_from,
        valid_to=scheme.valid_to,
    )


def add_old_units(
    repo: UnitRepository, scheme: UnitScheme, items: Iterable[LegacyUnit]
) -> tuple[int, list[str]]:
    """Add the units of an old scheme not stored yet, parents first; return (added, differing).

    A unit already stored under the code is kept as it is, never renamed or moved: it is
    history. `differing` lists those whose stored name is not the one given.
    """
    existing = repo.all_by_code(scheme.key)
    added, differing = 0, []
    for item in sorted(items, key=lambda u: (_ORDER[u.level], u.code)):
        unit = existing.get(item.code)
        if unit is not None:
            if unit.name != item.name:
                differing.append(f"{item.code}: {unit.name} ≠ {item.name}")
            continue
        parent = existing.get(item.parent_code) if item.parent_code else None
        if item.parent_code and parent is None:
            raise Invalid(
                f"Unit {item.code} {item.name}: its parent {item.parent_code} is unknown.",
                message_vi=f"Đơn vị {item.code} {item.name}: không có đơn vị cấp trên "
                f"{item.parent_code}.",
                loc=["old_parent_code"],
            )
        existing[item.code] = repo.add(_unit(scheme, item, parent))
        added += 1
    return added, differing


def _declared(rows: list[SuccessionRow], stored: dict[str, AdminUnit]) -> list[LegacyUnit]:
    """Return the old units the rows name and the store lacks, with parents the list knows."""
    wanted: dict[str, LegacyUnit] = {}
    for r in rows:
        if r.old_code not in stored:
            parent = r.old_parent_code or None
            wanted.setdefault(
                r.old_code,
                LegacyUnit(
                    r.old_code, r.old_name, r.old_level, r.old_division_type, parent, None, None
                ),
            )
    todo = [u.parent_code for u in wanted.values() if u.parent_code]
    while todo:
        code = todo.pop()
        if code in wanted or code in stored:
            continue
        known = conversion.legacy_unit(code)
        if known is not None:
            wanted[code] = known
            todo += [known.parent_code] if known.parent_code else []
    return list(wanted.values())


def _check_new(rows: list[SuccessionRow], new: dict[str, AdminUnit]) -> None:
    """Refuse rows whose new unit is missing, or named otherwise than in our list."""
    problems = []
    for r in rows:
        unit = new.get(r.new_code)
        if unit is None:
            problems.append(f"{r.new_code} ({r.new_name}): not in the 2025 list / không có")
        elif r.new_name and rules.toneless(unit.name) != rules.toneless(r.new_name):
            problems.append(f"{r.new_code}: {r.new_name} ≠ {unit.name}")
    if problems:
        shown = "; ".join(sorted(set(problems))[:10])
        raise Invalid(
            f"Succession rows name 2025 units that are not ours: {shown}",
            message_vi=f"Các dòng kế thừa nêu đơn vị 2025 không khớp danh mục: {shown}",
            loc=["new_code"],
        )


def _fill(
    rows: Iterable[SuccessionRow],
    resolution: str | None,
    resolution_date: date | None,
    source: str | None,
) -> list[SuccessionRow]:
    """Fill each row's blank resolution, resolution date and source from the values given."""
    return [
        replace(
            r,
            resolution=r.resolution or resolution or "",
            resolution_date=r.resolution_date or resolution_date,
            source=r.source or source or "",
        )
        for r in rows
    ]


def _store(
    repo: UnitRepository,
    row: SuccessionRow,
    old: AdminUnit,
    new: AdminUnit,
    stored: dict[tuple[int, int], UnitSuccession],
) -> str:
    """Add or update one pair; return "added", "updated" or "unchanged"."""
    assert old.id is not None
    assert new.id is not None
    values: dict[str, Any] = {
        "share": SuccessionShare(row.share),
        "is_default": row.is_default,
        "resolution": row.resolution,
        "resolution_date": row.resolution_date,
        "effective_on": row.effective_on,
        "source": row.source[:300],
    }
    found = stored.get((old.id, new.id))
    if found is None:
        repo.session.add(UnitSuccession(old_unit_id=old.id, new_unit_id=new.id, **values))
        return "added"
    if all(getattr(found, k) == v for k, v in values.items()):
        return "unchanged"
    for k, v in values.items():
        setattr(found, k, v)
    repo.session.add(found)
    return "updated"


def import_succession(
    session: Session,
    rows: Iterable[SuccessionRow],
    *,
    resolution: str | None = None,
    resolution_date: date | None = None,
    source: str | None = None,
    actor: Principal | str | None = "console",
) -> SuccessionImport:
    """Store old unit -> new unit rows (idempotent); blanks take the values given.

    The caller commits.
    """
    rows = _fill(rows, resolution, resolution_date, source)
    problems = succession_files.check_shares(rows)
    if problems:
        raise Invalid(
            f"Succession rows disagree: {'; '.join(problems[:10])}",
            message_vi=f"Các dòng kế thừa mâu thuẫn: {'; '.join(problems[:10])}",
            loc=["rows"],
        )
    repo = UnitRepository(session)
    new = repo.all_by_code(scheme_by_key(session, TWO_TIER_SCHEME).key)
    _check_new(rows, new)
    old_scheme = scheme_by_key(session, THREE_TIER_SCHEME)
    created, differing = add_old_units(
        repo, old_scheme, _declared(rows, repo.all_by_code(old_scheme.key))
    )
    old = repo.all_by_code(old_scheme.key)
    ids = sorted({old[r.old_code].id or 0 for r in rows})
    stored = {(s.old_unit_id, s.new_unit_id): s for s in repo.successions_from(ids)}
    result = SuccessionImport(units_created=created, differing=differing)
    for r in rows:
        outcome = _store(repo, r, old[r.old_code], new[r.new_code], stored)
        setattr(result, outcome, getattr(result, outcome) + 1)
    session.flush()
    result.source = "; ".join(sorted({r.source for r in rows}))[:300]
    audit(
        session,
        actor=actor,
        action="units.succession_import",
        entity="unit_succession",
        entity_id=None,
        detail=result.model_dump(exclude={"differing"}),
    )
    return result


def load_shipped_succession(session: Session, province_code: str) -> SuccessionImport:
    """Import the succession file shipped for a province (e.g. 42, Hà Tĩnh); caller commits."""
    path = succession_files.shipped(province_code)
    if not path.is_file():
        raise Invalid(
            f"No succession file is shipped for province {province_code}; derive one with "
            f"`metrology-svc units succession derive --province {province_code}`.",
            message_vi=f"Chưa có tệp kế thừa cho tỉnh {province_code}; hãy tạo bằng "
            f"`metrology-svc units succession derive --province {province_code}`.",
            loc=["province"],
        )
    return import_succession(session, succession_files.read_rows(path))
