"""What the pinned `vietnamadminunits` package knows, read once into plain records.

This module and `conversion.py` are the only ones that talk to the package. It is imported
lazily (it pulls in shapely and geopy), and only for the work that needs it.

Two ways to read it, chosen by the installed version:
- for the versions whose data layout is known ("1.0.x"), its data files: `data/dataset.db`
  (the pre-2025 list and the 2025 list, with coordinates) and `data/converter_2025.json` (which
  old commune went whole into which new one, and which were split, with the default part);
- otherwise only its documented API (`database.get_data`, `convert_address`), which gives the
  same lists but, for each old commune, only its default successor: whether a commune was
  split is then unknown, and every derived row says "part" so that nothing moves unreviewed.
"""

import importlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGE = "vietnamadminunits"
KNOWN_LAYOUTS = ("1.0.",)  # versions whose data files are read directly
_FILES = ("data/dataset.db", "data/converter_2025.json")
_OLD_FIELDS = [
    *("provinceKey", "districtKey", "wardKey", "province", "district", "ward", "districtType"),
    *("wardType", "provinceCode", "districtCode", "wardCode", "provinceLat", "provinceLon"),
    *("districtLat", "districtLon", "wardLat", "wardLon"),
]
_NEW_FIELDS = [
    *("provinceKey", "wardKey", "province", "provinceCode", "wardCode", "ward", "wardLat"),
    "wardLon",
]


@dataclass(frozen=True)
class OldWard:
    """One commune of the package's pre-2025 list (or a district without communes: islands)."""

    key: str  # "tinhhatinh_thanhphohatinh_phuongnamha"; an island district ends in "_"
    province_code: str
    province: str
    district_code: str
    district: str
    district_type: str  # "Huyện", "Quận", "Thị xã", "Thành phố"
    code: str | None  # None: a district without communes
    name: str | None
    ward_type: str | None  # "Xã", "Phường", "Thị trấn"
    lat: float | None
    lon: float | None
    district_lat: float | None
    district_lon: float | None
    province_lat: float | None
    province_lon: float | None


@dataclass(frozen=True)
class NewWard:
    """One commune of the package's 2025 list (its code may differ from ours; its name agrees)."""

    key: str  # "tinhhatinh_phuongthanhsen"
    province_code: str
    province: str
    code: str
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Successor:
    """Where (part of) an old commune went."""

    ward: NewWard
    is_default: bool
    whole: bool | None  # None: not known (read through the public API)


@dataclass
class PackageData:
    """Both lists and, when read from the data files, the whole succession map."""

    label: str  # "vietnamadminunits 1.0.4 (data files)"
    exact: bool  # True: splits are known (data files)
    old: list[OldWard]
    new: list[NewWard]
    successors: dict[str, list[Successor]]  # old key -> successors; filled lazily without files

    def successors_of(self, old: OldWard) -> list[Successor]:
        """Return where an old commune went, default first (through the API when not known)."""
        found = self.successors.get(old.key)
        if found is None:
            found = self.successors[old.key] = _convert_one(self, old)
        return found


def _module(name: str = "") -> Any:
    """Import the package (or one of its modules) now: it loads shapely and geopy."""
    return importlib.import_module(f"vietnamadminunits.{name}" if name else "vietnamadminunits")


def package_version() -> str | None:
    """Return the installed version of vietnamadminunits, or None when it is not installed."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def data_files() -> tuple[Path, Path] | None:
    """Return the data files when the installed version's layout is known and they exist."""
    version = package_version()
    if version is None or not version.startswith(KNOWN_LAYOUTS):
        return None
    dist = metadata.distribution(PACKAGE)
    db, conv = (Path(str(dist.locate_file(f"{PACKAGE}/{name}"))) for name in _FILES)
    return (db, conv) if db.is_file() and conv.is_file() else None


def _float(value: Any) -> float | None:
    return float(value) if value not in (None, "") else None


def _old(r: dict[str, Any]) -> OldWard:
    return OldWard(
        key=f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}",
        province_code=str(r["provinceCode"]),
        province=r["province"],
        district_code=str(r["districtCode"]),
        district=r["district"],
        district_type=r["districtType"] or "",
        code=str(r["wardCode"]) if r["wardCode"] else None,
        name=r["ward"] or None,
        ward_type=r["wardType"] or None,
        lat=_float(r["wardLat"]),
        lon=_float(r["wardLon"]),
        district_lat=_float(r["districtLat"]),
        district_lon=_float(r["districtLon"]),
        province_lat=_float(r["provinceLat"]),
        province_lon=_float(r["provinceLon"]),
    )


def _new(r: dict[str, Any]) -> NewWard:
    return NewWard(
        key=f"{r['provinceKey']}_{r['wardKey']}",
        province_code=str(r["provinceCode"]),
        province=r["province"],
        code=str(r["wardCode"]),
        name=r["ward"],
        lat=_float(r["wardLat"]),
        lon=_float(r["wardLon"]),
    )


def _rows(db: Path, table: str, fields: tuple[str, ...] | list[str]) -> Iterator[dict[str, Any]]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        columns = ", ".join(f'"{f}"' for f in fields)
        for row in conn.execute(f"SELECT {columns} FROM {table}"):  # noqa: S608 - fixed names
            yield dict(row)


def _successors(conv: dict[str, Any], new: list[NewWard]) -> dict[str, list[Successor]]:
    """Build old key -> successors from converter_2025.json."""
    by_key = {w.key: w for w in new}
    out: dict[str, list[Successor]] = {}
    for province, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for old in olds:
                out.setdefault(old, []).append(Successor(by_key[f"{province}_{ward}"], True, True))
    for province, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            found = [
                Successor(
                    by_key[f"{province}_{p['newWardKey']}"], bool(p["isDefaultNewWard"]), False
                )
                for p in parts
            ]
            out.setdefault(old, []).extend(sorted(found, key=lambda s: not s.is_default))
    return out


def read_files(db: Path, conv_path: Path, version: str) -> PackageData:
    """Read both lists and the succession map from the package's data files."""
    old = [_old(r) for r in _rows(db, "admin_units_legacy", _OLD_FIELDS)]
    new = [_new(r) for r in _rows(db, "admin_units", _NEW_FIELDS)]
    conv = json.loads(conv_path.read_text("utf-8"))
    label = f"{PACKAGE} {version} (data files)"
    return PackageData(label, True, old, new, _successors(conv, new))


def read_api(version: str | None) -> PackageData:
    """Read both lists through the package's documented API (successors found on demand)."""
    get_data = _module("database").get_data
    old = [_old(r) for r in get_data(fields=list(_OLD_FIELDS), table="admin_units_legacy")]
    new = [_new(r) for r in get_data(fields=list(_NEW_FIELDS), table="admin_units")]
    return PackageData(f"{PACKAGE} {version} (public API)", False, old, new, {})


def read() -> PackageData:
    """Read the package the way its installed version allows."""
    files = data_files()
    version = package_version()
    if files is not None and version is not None:
        return read_files(*files, version)
    return read_api(version)


def _convert_one(data: PackageData, old: OldWard) -> list[Successor]:
    """Find an old commune's default successor with the public convert_address (no street)."""
    convert_address = _module().convert_address
    parts = [p for p in (old.name, old.district, old.province) if p]
    # No street in the text: convert_address geocodes a street through a web service.
    unit = convert_address(", ".join(parts))
    if not unit.ward_code:
        return []
    code, province = str(unit.ward_code), str(unit.province_code)
    ward = next((w for w in data.new if w.code == code and w.province_code == province), None)
    return [] if ward is None else [Successor(ward, True, None)]


def parse_legacy(text: str) -> Any:
    """Parse a pre-2025 address (province, district, commune) without its street."""
    return _module().parse_address(text, mode="LEGACY", keep_street=False, level=3)


def parse_2025(text: str) -> Any:
    """Parse a 2025 address (province, commune) without its street."""
    return _module().parse_address(text, mode="FROM_2025", keep_street=False, level=2)
