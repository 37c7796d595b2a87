"""Old (2004-scheme) units, their 2025 successors and old-style addresses, from vietnamadminunits.

The package's 2025 codes disagree with ours (vietnam-provinces) on about a hundred communes
outside Hà Tĩnh, while the names agree: a new commune is therefore mapped to OUR code by its
province and name (`rules.NameIndex`). What the package says is read once per process.

Nothing here touches the database: `units/service.py` stores what these functions derive.
"""

import functools
import logging
from typing import Any

from metrology_svc.units import package_data, package_index, rules
from metrology_svc.units.derivation import derived_succession as derived_succession
from metrology_svc.units.derivation import successions_of as successions_of
from metrology_svc.units.package_data import NewWard, OldWard
from metrology_svc.units.package_index import by_key, our_2025, ours, package
from metrology_svc.units.package_index import legacy_index as legacy_index
from metrology_svc.units.package_index import legacy_unit as legacy_unit
from metrology_svc.units.package_index import legacy_units as legacy_units
from metrology_svc.units.package_index import source_label as source_label
from metrology_svc.units.records import AddressMatch as AddressMatch
from metrology_svc.units.records import LegacyUnit as LegacyUnit
from metrology_svc.units.records import SuccessionRow as SuccessionRow

log = logging.getLogger(__name__)
MAX_ADDRESS = 400
_ABBREVIATIONS = {"thanhpho": "tp", "thixa": "tx", "quan": "q", "huyen": "h"}
# How addresses write a commune's type, without diacritics: full words and abbreviations.
_COMMUNE_TYPES = {"xa": "xa", "x": "xa", "phuong": "phuong", "p": "phuong", "thitran": "thitran"}
_COMMUNE_TYPES |= {"tt": "thitran", "dackhu": "dackhu"}


def clear_cache() -> None:
    """Forget what was read (after a package or override change, and in tests)."""
    package_index.clear_cache()
    _cities.cache_clear()
    _theirs.cache_clear()


@functools.cache
def _theirs() -> tuple[rules.NameIndex, dict[str, NewWard]]:
    """Index the package's 2025 communes by province and name."""
    new = package().new
    return rules.NameIndex((w.province_code, w.name, w.key) for w in new), {w.key: w for w in new}


def centroid(province_code: str, commune_code_2025: str) -> tuple[float, float] | None:
    """Return the package's point (lat, lon) for one of our 2025 communes, if it has one."""
    _index, by_code = our_2025()
    unit = by_code.get(commune_code_2025)
    if unit is None or unit.parent_code != province_code:
        return None
    index, wards = _theirs()
    key = index.find(province_code, unit.name)
    ward = wards.get(key) if key else None
    if ward is None or ward.lat is None or ward.lon is None:
        return None
    return ward.lat, ward.lon


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
    cities = [u.name for u in our_2025()[1].values() if u.division_type == "thành phố trung ương"]
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
    old = by_key().get(key)
    found = old if old is not None and _type_agrees(text, old.name) else None
    return found, _named(text, parsed) or _names_a_district(text)


def _old_match(old: OldWard) -> AddressMatch | None:
    successors = [ours(s.ward) for s in package().successors_of(old)]
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
    ward = next((w for w in package().new if (w.code, w.province_code) == (code, province)), None)
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
