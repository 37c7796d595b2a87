"""Old (2004-scheme) units, their 2025 successors and old-style addresses, from vietnamadminunits.

The package's 2025 codes disagree with ours (vietnam-provinces) on about a hundred communes
outside Hà Tĩnh, while the names agree: a new commune is therefore mapped to OUR code by its
province and name (`rules.NameIndex`). What the package says is read once per process.

Nothing here touches the database: `units/service.py` stores what these functions derive.
"""

import functools
import logging
from dataclasses import replace
from typing import Any

from metrology_svc.units import national, package_data, resolutions, rules
from metrology_svc.units.package_data import NewWard, OldWard, PackageData
from metrology_svc.units.records import AddressMatch as AddressMatch
from metrology_svc.units.records import LegacyUnit as LegacyUnit
from metrology_svc.units.records import SuccessionRow as SuccessionRow

log = logging.getLogger(__name__)
MAX_ADDRESS = 400
_ABBREVIATIONS = {"thanhpho": "tp", "thixa": "tx", "quan": "q", "huyen": "h"}
# How addresses write a commune's type, without diacritics: full words and abbreviations.
_COMMUNE_TYPES = {"xa": "xa", "x": "xa", "phuong": "phuong", "p": "phuong", "thitran": "thitran"}
_COMMUNE_TYPES |= {"tt": "thitran", "dackhu": "dackhu"}


@functools.cache
def _data() -> PackageData:
    return package_data.read()


@functools.cache
def _ours() -> tuple[rules.NameIndex, dict[str, national.ListedUnit]]:
    listed = national.read_2025().units
    index = rules.NameIndex((u.parent_code or "", u.name, u.code) for u in listed)
    return index, {u.code: u for u in listed}


def clear_cache() -> None:
    """Forget what was read (after a package or override change, and in tests)."""
    _data.cache_clear()
    _ours.cache_clear()
    _by_key.cache_clear()
    _legacy_index.cache_clear()


def source_label() -> str:
    """Return which package version was read, and how."""
    return _data().label


def ours(ward: NewWard) -> national.ListedUnit | None:
    """Return our 2025 commune for one of the package's, by province and name."""
    index, by_code = _ours()
    code = index.find(ward.province_code, ward.name)
    return by_code.get(code) if code else None


def _province_type(name: str) -> str:
    return "thành phố trung ương" if name.startswith("Thành phố") else "tỉnh"


def legacy_units(province_code: str) -> list[LegacyUnit]:
    """Return the pre-2025 list of one province: the province, its districts and communes."""
    wards = [w for w in _data().old if w.province_code == province_code]
    if not wards:
        return []
    first = wards[0]
    out = [
        LegacyUnit(
            first.province_code,
            first.province,
            "province",
            _province_type(first.province),
            None,
            first.province_lat,
            first.province_lon,
        )
    ]
    districts: dict[str, LegacyUnit] = {}
    for w in wards:
        districts.setdefault(
            w.district_code,
            LegacyUnit(
                w.district_code,
                w.district,
                "district",
                w.district_type.lower(),
                w.province_code,
                w.district_lat,
                w.district_lon,
            ),
        )
    out += sorted(districts.values(), key=lambda u: u.code)
    communes = [
        LegacyUnit(
            w.code,
            w.name or "",
            "commune",
            (w.ward_type or "").lower(),
            w.district_code,
            w.lat,
            w.lon,
        )
        for w in wards
        if w.code
    ]
    return out + sorted(communes, key=lambda u: u.code)


@functools.cache
def _legacy_index() -> dict[str, LegacyUnit]:
    provinces = sorted({w.province_code for w in _data().old})
    return {u.code: u for p in provinces for u in legacy_units(p)}


def legacy_unit(code: str) -> LegacyUnit | None:
    """Return the pre-2025 unit with this code (province, district or commune), if any."""
    return _legacy_index().get(code)


def legacy_index() -> dict[str, LegacyUnit]:
    """Return every pre-2025 unit by code (provinces, districts and communes do not collide)."""
    return _legacy_index()


def centroid(province_code: str, commune_code_2025: str) -> tuple[float, float] | None:
    """Return the package's point (lat, lon) for one of our 2025 communes, if it has one."""
    _index, by_code = _ours()
    unit = by_code.get(commune_code_2025)
    if unit is None or unit.parent_code != province_code:
        return None
    theirs = rules.NameIndex((w.province_code, w.name, w.key) for w in _data().new)
    key = theirs.find(province_code, unit.name)
    ward = next((w for w in _data().new if w.key == key), None)
    if ward is None or ward.lat is None or ward.lon is None:
        return None
    return ward.lat, ward.lon


@functools.cache
def _by_key() -> dict[str, OldWard]:
    return {w.key: w for w in _data().old}


def _named(text: str, old: Any) -> bool:
    """Tell whether a part of the text names the old district the parser found, written out
    ("Thành phố Hà Tĩnh") or abbreviated ("TP Hà Tĩnh"), not just its province ("Hà Tĩnh")."""
    district = rules.plain(old.district or "")
    prefix = _ABBREVIATIONS.get(rules.plain(old.district_type or ""), "")
    short = f"{prefix}{rules.plain(old.short_district or '')}" if prefix else ""
    parts = [rules.plain(p) for p in text.split(",")]
    return any(
        (district and p.startswith(district)) or (short and p.startswith(short)) for p in parts
    )


_DISTRICT_WORDS = ("quận ", "huyện ", "thị xã ", "huyen ", "thi xa ")
_CITY_WORDS = ("thành phố ", "thanh pho ", "tp ", "tp. ")


@functools.cache
def _cities() -> tuple[str, ...]:
    """Return the 2025 cities under the centre as plain text: ("thanhphohanoi", "hanoi", ...)."""
    cities = [u.name for u in _ours()[1].values() if u.division_type == "thành phố trung ương"]
    short = [rules.plain(c.removeprefix("Thành phố ").removeprefix("Thủ đô ")) for c in cities]
    return (*(rules.plain(c) for c in cities), *short, "hcm", "hochiminh")


def _names_a_district(text: str) -> bool:
    """Tell whether a part of the address is an old district ("Huyện Can Lộc", "Thành phố Hà
    Tĩnh"): there are none since 01/07/2025, so the address is old-style."""
    for part in text.split(","):
        words = rules.fold(part)
        if words.startswith(_DISTRICT_WORDS):
            return True
        city = next((w for w in _CITY_WORDS if words.startswith(w)), None)
        if city and not rules.plain(words[len(city) :]).startswith(_cities()):
            return True
    return False


def _type_of(name: str) -> tuple[str, str]:
    """Return a commune's type and short name without diacritics: ("phuong", "bacha")."""
    key = rules.plain(name)
    for word in ("thitran", "phuong", "dackhu", "xa"):
        if key.startswith(word):
            return word, key[len(word) :]
    return "", key


def _type_agrees(text: str, name: str | None) -> bool:
    """Tell whether the text, where it writes the commune's type, writes the one found.

    The parser matches names without their type: "Phường Bắc Hà" must not become "Xã Bắc Hà".
    """
    kind, short = _type_of(name or "")
    if not kind or not short:
        return True
    for part in text.split(","):
        key = rules.plain(part)
        if key.endswith(short):
            written = _COMMUNE_TYPES.get(key[: -len(short)])
            if written is not None and written != kind:
                return False
    return True


def _parse_old(text: str) -> tuple[OldWard | None, bool]:
    """Return the old commune (or island district) an address names, and whether it names an
    old district outright (then it is old-style, and no 2025 reading is tried)."""
    parsed = package_data.parse_legacy(text)
    if parsed.province_key and not parsed.district_key:
        # "Phường Bắc Hà, Thành phố Hà Tĩnh": the parser takes "Hà Tĩnh" for the province and
        # finds no district; with the province written out it finds both.
        again = package_data.parse_legacy(f"{text}, {parsed.province}")
        if again.district_key and _named(text, again):
            parsed = again
    if not parsed.district_key:
        return None, _names_a_district(text)
    key = f"{parsed.province_key}_{parsed.district_key}_{parsed.ward_key or ''}"
    old = _by_key().get(key)
    found = old if old is not None and _type_agrees(text, old.name) else None
    return found, _named(text, parsed) or _names_a_district(text)


def _old_match(old: OldWard) -> AddressMatch | None:
    successors = [ours(s.ward) for s in _data().successors_of(old)]
    found = [u for u in successors if u is not None]
    if not found:
        return None
    return AddressMatch(
        province_code=found[0].parent_code or "",
        commune_code=found[0].code,
        commune_name=found[0].name,
        old_style=True,
        old_province_code=old.province_code,
        old_district_code=old.district_code,
        old_district_name=old.district,
        old_commune_code=old.code,
        old_commune_name=old.name,
        successors=tuple(u.code for u in found),
    )


def _new_match(text: str) -> AddressMatch | None:
    parsed = package_data.parse_2025(text)
    if not parsed.ward_code:
        return None
    code, province = str(parsed.ward_code), str(parsed.province_code)
    ward = next((w for w in _data().new if (w.code, w.province_code) == (code, province)), None)
    unit = ours(ward) if ward is not None else None
    if unit is None or not _type_agrees(text, unit.name):
        return None
    return AddressMatch(
        province_code=unit.parent_code or "",
        commune_code=unit.code,
        commune_name=unit.name,
        old_style=False,
        successors=(unit.code,),
    )


def convert_address(text: str) -> AddressMatch | None:
    """Return the 2025 commune an old-style or 2025-style address names; None if not understood."""
    if not text or not text.strip() or len(text) > MAX_ADDRESS:
        return None
    try:
        old, district_named = _parse_old(text)
        if old is not None:
            return _old_match(old)
        # "Xã Foo, Huyện Thạch Hà" names an old district: not the 2025 Xã Thạch Hà.
        return None if district_named else _new_match(text)
    except Exception:
        # The parser is a third party's: an input it trips on is not understood, not a crash.
        log.warning(
            "address not understood by %s: %.80r", package_data.PACKAGE, text, exc_info=True
        )
        return None


def _province_successor(old_province: str) -> str | None:
    """Return the 2025 province an old province went into (provinces merged whole)."""
    data = _data()
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
    for s in _data().successors_of(old):
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
    legacy = _legacy_index()
    unit = legacy[old.code] if old.code else legacy[old.district_code]  # island district
    whole = len(targets) == 1 and targets[0][2] is True
    return [_row(unit, new, "whole" if whole else "part", default) for new, default, _ in targets]


def _district_rows(rows: list[SuccessionRow]) -> list[SuccessionRow]:
    """Each old district -> every new commune its communes went to; default: the most of them."""
    legacy, _index = _legacy_index(), _ours()[1]
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
    by_code = _ours()[1]
    province = by_code.get(province_code)
    if province is None or province.level != "province":
        raise ValueError(f"{province_code} is not a province of the 2025 list")
    data = _data()
    every = {w.province_code for w in data.old}
    old_provinces = sorted(p for p in every if _province_successor(p) == province_code)
    rows: list[SuccessionRow] = []
    for old in (w for w in data.old if w.province_code in old_provinces):
        targets = [t for t in _targets(old) if t[0].parent_code == province_code]
        rows += _commune_rows(old, targets)
    rows += _district_rows(rows)
    legacy = _legacy_index()
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
    unit = _legacy_index().get(old_code)
    if unit is None:
        return []
    data = _data()
    if unit.level == "province":
        new = _province_successor(unit.code)
        province = _ours()[1].get(new) if new else None
        return [_row(unit, province, "whole", True)] if province else []
    if unit.level == "commune":
        old = next(w for w in data.old if w.code == unit.code)
        return _commune_rows(old, _targets(old))
    wards = [w for w in data.old if w.district_code == unit.code]
    rows = [r for w in wards for r in _commune_rows(w, _targets(w))]
    if any(r.old_level == "district" for r in rows):  # an island district without communes
        return rows
    return _district_rows(rows)
