"""Plain records the unit conversion hands out: old units, succession rows, address matches."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LegacyUnit:
    """A unit of the pre-2025 (2004-scheme) list: province, district or commune."""

    code: str
    name: str
    level: str  # "province", "district" or "commune"
    division_type: str  # "tỉnh", "thành phố trung ương", "huyện", "quận", "xã", "thị trấn" ...
    parent_code: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SuccessionRow:
    """Old unit (2004 scheme) -> new unit (2025 scheme), as a succession file holds it."""

    old_code: str
    old_name: str
    old_level: str
    old_division_type: str
    old_parent_code: str  # "" for a province
    new_code: str
    new_name: str
    share: str  # "whole" or "part"
    is_default: bool
    resolution: str = ""
    resolution_date: date | None = None
    effective_on: date = date(2025, 7, 1)
    source: str = ""


@dataclass(frozen=True)
class AddressMatch:
    """The 2025 commune an address names, and the old units it named if it was old-style."""

    province_code: str
    commune_code: str  # ours (vietnam-provinces)
    commune_name: str
    old_style: bool
    old_province_code: str | None = None
    old_district_code: str | None = None
    old_district_name: str | None = None
    old_commune_code: str | None = None
    old_commune_name: str | None = None
    # Our codes of every 2025 commune the old commune went to, the chosen one first; more than
    # one means it was split (read through the public API only the chosen one is known).
    successors: tuple[str, ...] = ()
