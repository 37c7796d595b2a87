"""The pinned vietnamadminunits as read once per process: its lists, indexed for our use.

Our 2025 units come from vietnam-provinces (`national.py`); the package's 2025 communes are
matched to ours by province and name, since their codes differ on about a hundred communes.
"""

import functools

from metrology_svc.units import national, package_data, rules
from metrology_svc.units.package_data import NewWard, OldWard, PackageData
from metrology_svc.units.records import LegacyUnit


@functools.cache
def package() -> PackageData:
    """Return what the package says, read once."""
    return package_data.read()


@functools.cache
def our_2025() -> tuple[rules.NameIndex, dict[str, national.ListedUnit]]:
    listed = national.read_2025().units
    index = rules.NameIndex((u.parent_code or "", u.name, u.code) for u in listed)
    return index, {u.code: u for u in listed}


def clear_cache() -> None:
    """Forget what was read (after a package or override change, and in tests)."""
    for cached in (package, our_2025, by_key, _legacy_index):
        cached.cache_clear()


def source_label() -> str:
    """Return which package version was read, and how."""
    return package().label


def ours(ward: NewWard) -> national.ListedUnit | None:
    """Return our 2025 commune for one of the package's, by province and name."""
    index, by_code = our_2025()
    code = index.find(ward.province_code, ward.name)
    return by_code.get(code) if code else None


def _province_type(name: str) -> str:
    return "thành phố trung ương" if name.startswith("Thành phố") else "tỉnh"


def legacy_units(province_code: str) -> list[LegacyUnit]:
    """Return the pre-2025 list of one province: the province, its districts and communes."""
    wards = [w for w in package().old if w.province_code == province_code]
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
    provinces = sorted({w.province_code for w in package().old})
    return {u.code: u for p in provinces for u in legacy_units(p)}


def legacy_unit(code: str) -> LegacyUnit | None:
    """Return the pre-2025 unit with this code (province, district or commune), if any."""
    return _legacy_index().get(code)


def legacy_index() -> dict[str, LegacyUnit]:
    """Return every pre-2025 unit by code (provinces, districts and communes do not collide)."""
    return _legacy_index()


@functools.cache
def by_key() -> dict[str, OldWard]:
    """Return the package's old communes by key ("tinhhatinh_thanhphohatinh_phuongbacha")."""
    return {w.key: w for w in package().old}
