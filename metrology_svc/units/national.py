"""The national list of the 2025 scheme, read from the pinned `vietnam-provinces` package.

Only the package's documented data file (`NESTED_DIVISIONS_JSON_PATH`) is read. Names are
normalised (NFC, single spaces); `data/overrides_2025.csv` then corrects codes or names where
the public sources disagree, each row with its source. Nothing here touches the database.
"""

import csv
import json
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
OVERRIDES_2025 = DATA_DIR / "overrides_2025.csv"
PACKAGE = "vietnam-provinces"

# The package's division types, as the service writes them.
_TYPES = {
    "thành phố trung ương": "thành phố trung ương",
    "tỉnh": "tỉnh",
    "xã": "xã",
    "phường": "phường",
    "đặc khu": "đặc khu",
}


@dataclass(frozen=True)
class ListedUnit:
    """One unit of a national list: its code, name, level, type and parent's code."""

    code: str
    name: str
    level: str  # "province" or "commune"
    division_type: str
    parent_code: str | None


@dataclass(frozen=True)
class NationalList:
    """A whole national list and where it came from."""

    units: tuple[ListedUnit, ...]
    source: str  # e.g. "vietnam-provinces 2025.10.1 + overrides_2025.csv (0 rows)"


def clean_name(name: str) -> str:
    """Return a name in NFC with single spaces and straight apostrophes."""
    text = unicodedata.normalize("NFC", name).replace("\u2019", "'")
    return " ".join(text.split())


def province_name(name: str, division_type: str) -> str:
    """Return a province's full name: "Tỉnh Hà Tĩnh", "Thành phố Huế"."""
    if division_type == "tỉnh" and not name.startswith("Tỉnh "):
        return f"Tỉnh {name}"
    return name


def _override_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not (r.get("code") or "").startswith("#")]
    for row in rows:
        if not (row.get("source") or "").strip():
            raise ValueError(f"{path.name}: override of {row.get('code')} names no source")
    return rows


def read_2025(overrides: Path = OVERRIDES_2025) -> NationalList:
    """Return the 34 provinces and 3,321 communes of the 2025 scheme, with overrides applied."""
    import vietnam_provinces

    raw = json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text("utf-8"))
    units: dict[str, ListedUnit] = {}
    for prov in raw:
        pcode = f"{int(prov['code']):02d}"
        ptype = _TYPES.get(prov["division_type"], prov["division_type"])
        units[pcode] = ListedUnit(
            pcode, province_name(clean_name(prov["name"]), ptype), "province", ptype, None
        )
        for ward in prov["wards"]:
            code = f"{int(ward['code']):05d}"
            wtype = _TYPES.get(ward["division_type"], ward["division_type"])
            units[code] = ListedUnit(code, clean_name(ward["name"]), "commune", wtype, pcode)
    rows = _override_rows(overrides)
    for row in rows:
        old = units.pop(row["replaces_code"], None) if row.get("replaces_code") else None
        base = old or units.get(row["code"])
        units[row["code"]] = ListedUnit(
            code=row["code"],
            name=clean_name(row["name"]) if row.get("name") else (base.name if base else ""),
            level=row.get("level") or (base.level if base else "commune"),
            division_type=row.get("division_type") or (base.division_type if base else ""),
            parent_code=row.get("parent_code") or (base.parent_code if base else None),
        )
    version = metadata.version(PACKAGE)
    return NationalList(
        units=tuple(sorted(units.values(), key=lambda u: (u.level != "province", u.code))),
        source=f"{PACKAGE} {version} + {overrides.name} ({len(rows)} rows)",
    )
