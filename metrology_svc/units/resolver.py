"""Read what a user typed for a place (a unit code, an old code, an address) as a unit in force.

- A code of the scheme in force (2025) means that unit, even when the old scheme had the same
  code for another place (18073 is Phường Thành Sen, not the old Phường Nam Hà).
- A code absent from the 2025 list is read as an old code: the unit it went to (the default one
  if it was split, naming the others), with a warning naming both. Written with its list
  ("2004:18082") it names that old unit itself when it is stored (so an exported site that was
  not rehomed yet imports where it was), else, like a bare old code, the unit it went to.
- Any other text is read as an address, old-style ("Phường Bắc Hà, Thành phố Hà Tĩnh") or 2025
  style ("Phường Thành Sen, tỉnh Hà Tĩnh"), with a warning saying what was understood.
- Anything else is refused with the closest codes and names of both schemes (at most five).

The succession stored in the database wins over the one the package derives, so an office that
imported its own succession file gets its own decisions.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from metrology_svc.core.errors import Invalid, Loc
from metrology_svc.units import conversion, rules
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemes import THREE_TIER_SCHEME, current_scheme

MAX_INPUT = 400
SHOWN_OTHERS = 5
MAX_SUGGESTED = 100  # distinct refused texts per resolver that get suggestions
# The suggestion index of the units as they are, by (scheme in force, units' fingerprint).
_SUGGESTERS: dict[tuple[str, int, int, int], rules.Suggester] = {}


@dataclass(frozen=True)
class Resolved:
    """The unit in force a code or address names; a warning when it was not a current code."""

    unit: AdminUnit
    warning_vi: str | None = None
    warning_en: str | None = None


@dataclass(frozen=True)
class _Old:
    """An old unit, how to name it, and the units in force it went to (default first)."""

    code: str
    label: str  # "Phường Bắc Hà, Thành phố Hà Tĩnh"
    level: str
    successors: list[AdminUnit]


class UnknownUnit(Invalid):
    """A code or address that names no unit of either scheme; carries the closest matches."""

    def __init__(self, text: str, matches: list[tuple[str, str]], loc: Loc) -> None:
        """Refuse `text`, suggesting `matches` as (scheme:code, label) pairs."""
        shown = "; ".join(
            f"{key.split(':')[1]} {label} ({key.split(':')[0]})" for key, label in matches
        )
        super().__init__(
            f"No administrative unit {text!r} in the 2025 or the 2004 list."
            + (f" Closest: {shown}." if shown else " No close match."),
            message_vi=f"Không có đơn vị hành chính {text!r} trong danh mục 2025 hay 2004."
            + (f" Gần giống nhất: {shown}." if shown else " Không có đơn vị gần giống."),
            loc=loc,
        )
        self.matches = matches


def _listed(units: Sequence[AdminUnit]) -> tuple[str, str]:
    """Name up to SHOWN_OTHERS units, then say how many more (vi, en)."""
    names = ", ".join(f"{u.code} {u.name}" for u in units[:SHOWN_OTHERS])
    more = len(units) - SHOWN_OTHERS
    if more <= 0:
        return names, names
    return f"{names} và {more} đơn vị khác", f"{names} and {more} more"


def _warning(head_vi: str, head_en: str, old: _Old) -> tuple[str, str]:
    new = old.successors[0]
    vi = f"{head_vi} → {new.code} {new.name}"
    en = f"{head_en} → {new.code} {new.name}"
    if old.level == UnitLevel.DISTRICT.value:
        vi += "; cấp huyện đã bỏ từ 01/07/2025"
        en += "; districts ended on 01/07/2025"
    others = old.successors[1:]
    if others:
        listed_vi, listed_en = _listed(others)
        vi += f"; đơn vị cũ đã được chia, phần còn lại thuộc {listed_vi}: đã chọn đơn vị mặc định, "
        vi += "hãy kiểm tra"
        en += f"; the old unit was split, the rest went to {listed_en}: the default one was "
        en += "chosen, check it"
    return vi, en


class UnitResolver:
    """Resolve codes and addresses against one session, remembering each text's answer."""

    def __init__(self, session: Session) -> None:
        """Prepare to resolve; the scheme in force is read once."""
        self.repo = UnitRepository(session)
        self.current = current_scheme(session).key
        # Each text's answer: the unit, or the closest matches it was refused with.
        self._answers: dict[str, Resolved | list[tuple[str, str]]] = {}
        self._candidates: rules.Suggester | None = None
        self._refused = 0

    def resolve(self, text: str, *, loc: Loc = ("body", "unit_code")) -> Resolved:
        """Return the unit in force the text names, or raise UnknownUnit (Invalid)."""
        key = " ".join(unicodedata.normalize("NFC", text or "").split())
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._resolve(key)
        if isinstance(answer, list):
            raise UnknownUnit(key[:100], answer, loc)
        return answer

    def _resolve(self, text: str) -> Resolved | list[tuple[str, str]]:
        parts = rules.split_code(text) if text else None
        if parts is not None:
            found = self._code(*parts)
        elif text and len(text) <= MAX_INPUT:
            found = self._address(text)
        else:
            found = None
        if found is not None:
            return found
        self._refused += 1
        if self._refused > MAX_SUGGESTED:
            return []  # a file of thousands of bad values: refuse them fast, without suggestions
        return self._suggester().closest(text[:MAX_INPUT])

    def _code(self, scheme: str | None, code: str) -> Resolved | None:
        # Spreadsheets drop leading zeros: 1234 is commune 01234, 1 is province 01.
        padded = code.zfill(5) if len(code) == 4 else code.zfill(2) if len(code) == 1 else code
        if scheme in (None, self.current):
            unit = self.repo.by_code(padded, self.current)
            if unit is not None and padded == code:
                return Resolved(unit)
            if unit is not None:
                vi = f"Mã {code} được đọc là {padded} → {unit.code} {unit.name}"
                en = f"Code {code} was read as {padded} → {unit.code} {unit.name}"
                return Resolved(unit, vi, en)
        if scheme is not None and scheme != self.current:
            # "2004:18082" names the old unit itself (an export of a site not rehomed yet).
            stored = self.repo.by_code(padded, scheme)
            if stored is not None:
                return Resolved(stored)  # named exactly: nothing was read into it
        if scheme not in (None, THREE_TIER_SCHEME):
            return None
        old = self._old(padded)
        if old is None:
            return None
        vi, en = _warning(
            f"Mã {padded} ({old.label}, danh mục {THREE_TIER_SCHEME})",
            f"Code {padded} ({old.label}, {THREE_TIER_SCHEME} list)",
            old,
        )
        return Resolved(old.successors[0], vi, en)

    def _address(self, text: str) -> Resolved | None:
        match = conversion.convert_address(text)
        if match is None:
            return None
        if match.old_style:
            old_code = match.old_commune_code or match.old_district_code or ""
            old = self._old(old_code)
            if old is not None:
                vi, en = _warning(
                    f"Địa chỉ cũ {text!r} ({old_code} {old.label}, danh mục {THREE_TIER_SCHEME})",
                    f"Old address {text!r} ({old_code} {old.label}, {THREE_TIER_SCHEME} list)",
                    old,
                )
                return Resolved(old.successors[0], vi, en)
        unit = self.repo.by_code(match.commune_code, self.current)
        if unit is None:
            return None
        vi = f"Đơn vị lấy từ địa chỉ {text!r} → {unit.code} {unit.name}"
        en = f"Unit taken from the address {text!r} → {unit.code} {unit.name}"
        return Resolved(unit, vi, en)

    def _old(self, code: str) -> _Old | None:
        """Return an old unit and its successors in force: stored succession first."""
        stored = self.repo.by_code(code, THREE_TIER_SCHEME)
        listed = conversion.legacy_unit(code)
        successors: list[AdminUnit] = []
        if stored is not None and stored.id is not None:
            rows = self.repo.successions_from([stored.id])
            by_id = self.repo.by_ids([r.new_unit_id for r in rows])
            ranked = sorted(rows, key=lambda r: (not r.is_default, r.id or 0))
            successors = [
                u for r in ranked if (u := by_id.get(r.new_unit_id)) and u.scheme == self.current
            ]
        if not successors:
            for row in conversion.successions_of(code):
                unit = self.repo.by_code(row.new_code, self.current)
                if unit is not None:
                    successors.append(unit)
        if not successors or (stored is None and listed is None):
            return None
        return _Old(code, self._label(stored, listed), self._level(stored, listed), successors)

    def _label(self, stored: AdminUnit | None, listed: conversion.LegacyUnit | None) -> str:
        if stored is not None:
            parent = self.repo.get(stored.parent_id) if stored.parent_id else None
            return f"{stored.name}, {parent.name}" if parent else stored.name
        assert listed is not None
        parent_unit = conversion.legacy_unit(listed.parent_code) if listed.parent_code else None
        return f"{listed.name}, {parent_unit.name}" if parent_unit else listed.name

    @staticmethod
    def _level(stored: AdminUnit | None, listed: conversion.LegacyUnit | None) -> str:
        if stored is not None:
            return stored.level.value
        assert listed is not None
        return listed.level

    def _suggester(self) -> rules.Suggester:
        """Return the index of every unit of both schemes, "scheme:code" -> name.

        Built once per process and kept while the units stay the same: building it folds
        14,000 names (about 2 s), which each refused request paid before (measured: the API
        fuzzing's POST /sites took 18 s a request under load).
        """
        if self._candidates is None:
            key = (self.current, *self.repo.fingerprint())
            cached = _SUGGESTERS.get(key)
            if cached is None:
                legacy = conversion.legacy_index().items()
                found = {f"{THREE_TIER_SCHEME}:{code}": u.name for code, u in legacy}
                for scheme in (THREE_TIER_SCHEME, self.current):
                    units = self.repo.all_by_code(scheme).items()
                    found |= {f"{scheme}:{c}": u.name for c, u in units}
                cached = rules.Suggester(found)
                _SUGGESTERS.clear()  # one index: the units as they are now
                _SUGGESTERS[key] = cached
            self._candidates = cached
        return self._candidates


def resolve_unit_input(
    session: Session, code_or_address: str, *, loc: Loc = ("body", "unit_code")
) -> Resolved:
    """Return the unit in force a code, old code or address names (with a warning), or refuse."""
    return UnitResolver(session).resolve(code_or_address, loc=loc)
