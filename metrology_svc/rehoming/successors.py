"""Where an old unit went: its successors in the scheme in force, read from UnitSuccession.

A commune's successors are the units its succession rows lead to (followed through any
intermediate scheme); a district's are those of its communes; a province's are the provinces
it went into (a province-level succession) or, when none is recorded, the province of the
same code in the scheme in force.
"""

from dataclasses import dataclass

from sqlmodel import Session

from metrology_svc.units.models import AdminUnit, SuccessionShare, UnitLevel, UnitSuccession
from metrology_svc.units.repository import UnitRepository

MAX_STEPS = 4  # editions of the national list a chain may cross


@dataclass(frozen=True)
class Successor:
    """A unit of the scheme in force that (part of) an old unit went into, and on what basis."""

    unit: AdminUnit
    whole: bool
    default: bool
    basis: str  # the resolution(s), e.g. "1665/NQ-UBTVQH15 (16/06/2025)"


def _basis(row: UnitSuccession) -> str:
    when = row.resolution_date or row.effective_on
    text = f"{row.resolution} ({when.strftime('%d/%m/%Y')})" if row.resolution else ""
    return text or f"{row.source or 'succession'} ({row.effective_on.strftime('%d/%m/%Y')})"


class Successors:
    """Answer "where did this old unit go" for one scheme in force, with a cache."""

    def __init__(self, session: Session, scheme: str) -> None:
        self.units = UnitRepository(session)
        self.scheme = scheme
        self._cache: dict[int, list[Successor]] = {}

    def of(self, unit: AdminUnit, steps: int = 0) -> list[Successor]:
        """Return the successors in force of a unit by its own succession rows."""
        assert unit.id is not None
        if unit.id in self._cache:
            return self._cache[unit.id]
        rows = self.units.successions_from([unit.id])
        targets = self.units.by_ids([r.new_unit_id for r in rows])
        out: dict[int, Successor] = {}
        for row in rows:
            new = targets[row.new_unit_id]
            here = Successor(new, row.share == SuccessionShare.WHOLE, row.is_default, _basis(row))
            if new.scheme == self.scheme:
                out.setdefault(row.new_unit_id, here)
                continue
            further = self.of(new, steps + 1) if steps < MAX_STEPS else []
            for f in further:
                out.setdefault(
                    f.unit.id or 0,
                    Successor(
                        f.unit,
                        here.whole and f.whole and len(further) == 1,
                        here.default and f.default,
                        f"{here.basis}; {f.basis}",
                    ),
                )
        found = list(out.values())
        if steps == 0:
            self._cache[unit.id] = found
        return found

    def whole_target(self, unit: AdminUnit) -> Successor | None:
        """Return the one unit a commune went into whole, if that is what happened."""
        found = self.of(unit)
        if unit.level is UnitLevel.COMMUNE and len(found) == 1 and found[0].whole:
            return found[0]
        return None

    def _of_district(self, unit: AdminUnit) -> list[Successor]:
        assert unit.id is not None
        out: dict[int, Successor] = {s.unit.id or 0: s for s in self.of(unit)}
        for commune in self.units.children(unit.id):
            for s in self.of(commune):
                out.setdefault(s.unit.id or 0, Successor(s.unit, False, False, s.basis))
        return sorted(out.values(), key=lambda s: s.unit.code)

    def provinces(self, unit: AdminUnit) -> list[Successor]:
        """Return the provinces in force an old province went into (or the same code)."""
        found = [s for s in self.of(unit) if s.unit.level is UnitLevel.PROVINCE]
        if found:
            return found
        same = self.units.by_code(unit.code, self.scheme)
        if same is None or same.level is not UnitLevel.PROVINCE:
            return []
        return [Successor(same, True, True, "cùng mã tỉnh / same province code")]

    def candidates(self, unit: AdminUnit) -> list[Successor]:
        """Return the units in force a site on this old unit may belong to (communes)."""
        if unit.level is UnitLevel.DISTRICT:
            return [s for s in self._of_district(unit) if s.unit.level is UnitLevel.COMMUNE]
        if unit.level is UnitLevel.PROVINCE:
            out: list[Successor] = []
            for p in self.provinces(unit):
                assert p.unit.id is not None
                out += [
                    Successor(c, False, False, p.basis)
                    for c in self.units.children(p.unit.id)
                    if c.level is UnitLevel.COMMUNE
                ]
            return out
        return [s for s in self.of(unit) if s.unit.level is UnitLevel.COMMUNE]

    def scope(self, unit: AdminUnit) -> list[Successor]:
        """Return the units in force an account scoped to this old unit is scoped to next."""
        if unit.level is UnitLevel.PROVINCE:
            return self.provinces(unit)
        if unit.level is UnitLevel.DISTRICT:
            return self._of_district(unit)
        return self.of(unit)
