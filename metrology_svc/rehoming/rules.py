"""Pure rules of rehoming: which successor to suggest for a site, and why, in words.

A site whose old commune was split gets a suggestion, in this order: the commune its address
names (converted to the scheme in force), the candidate whose centre lies nearest to the
site's coordinates, the successor the resolution marks as the main one. The reason is kept in
Vietnamese and English, one line each.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

EARTH_RADIUS_KM = 6371.0


class Basis(StrEnum):
    """What a suggestion was read from."""

    ADDRESS = "address"
    COORDINATES = "coordinates"
    DEFAULT = "default"
    NONE = "none"


@dataclass(frozen=True)
class Candidate:
    """A unit of the scheme in force that a site may belong to."""

    unit_id: int
    code: str
    name: str
    default: bool = False

    def as_json(self) -> dict[str, Any]:
        """Return the candidate as the case stores it."""
        return {
            "unit_id": self.unit_id,
            "code": self.code,
            "name": self.name,
            "default": self.default,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Candidate":
        """Read a candidate as a case stores it."""
        return cls(
            unit_id=int(data["unit_id"]),
            code=str(data["code"]),
            name=str(data["name"]),
            default=bool(data.get("default", False)),
        )


@dataclass(frozen=True)
class Suggestion:
    """The suggested candidate (None: nothing to go by) and the reason in both languages."""

    unit_id: int | None
    basis: Basis
    reason_vi: str
    reason_en: str

    @property
    def reason(self) -> str:
        """Return the reason as a case stores it: Vietnamese line, then English line."""
        return f"{self.reason_vi}\n{self.reason_en}"[:300]


def split_reason(text: str) -> tuple[str, str]:
    """Return the Vietnamese and English lines of a stored reason."""
    vi, _, en = text.partition("\n")
    return vi, en or vi


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance between two (latitude, longitude) points in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _quote(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _label(c: Candidate) -> str:
    return f"{c.name} ({c.code})"


def suggest(
    candidates: Iterable[Candidate],
    *,
    address: str,
    address_code: str | None,
    position: tuple[float, float] | None,
    centres: Mapping[str, tuple[float, float]],
) -> Suggestion:
    """Choose the candidate to suggest: by address, else coordinates, else the main successor.

    `address_code` is the commune the address names (read by `locate.address_commune`, which
    gives none for an old split commune: a converter answers that with the main successor,
    which is no reading of the address); it counts when it is a candidate.
    """
    pool = list(candidates)
    by_code = {c.code: c for c in pool}
    found = by_code.get(address_code or "")
    if found is not None:
        return Suggestion(
            found.unit_id,
            Basis.ADDRESS,
            f"Theo địa chỉ: «{_quote(address)}» thuộc {_label(found)}.",
            f"From the address: '{_quote(address)}' lies in {_label(found)}.",
        )
    if position is not None:
        measured = [(distance_km(position, centres[c.code]), c) for c in pool if c.code in centres]
        if measured:
            km, near = min(measured, key=lambda m: (m[0], m[1].code))
            return Suggestion(
                near.unit_id,
                Basis.COORDINATES,
                f"Theo tọa độ: gần trung tâm {_label(near)} nhất ({km:.1f} km).",
                f"From the coordinates: nearest to the centre of {_label(near)} ({km:.1f} km).",
            )
    main = next((c for c in pool if c.default), None)
    if main is not None:
        return Suggestion(
            main.unit_id,
            Basis.DEFAULT,
            f"Theo nghị quyết: {_label(main)} nhận phần chính; địa chỉ và tọa độ không đủ để chọn.",
            f"From the resolution: {_label(main)} took the main part; neither address nor "
            "coordinates tell.",
        )
    return Suggestion(
        None,
        Basis.NONE,
        "Chưa có gợi ý: địa chỉ và tọa độ không đủ để chọn, nghị quyết không nêu phần chính.",
        "No suggestion: neither address nor coordinates tell, and no main successor is named.",
    )
