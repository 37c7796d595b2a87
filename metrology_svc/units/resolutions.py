"""The resolutions that made the 2025 units, as far as the project has them (data file).

`data/resolutions_2025.csv` names, for the provinces and for each province's communes it knows,
the resolution, its date, when it took effect, and where the number was read, with a status:
"official" (read in the official text), "third-party" (a list published by someone else) or
"unverified". A province not listed gets a succession file with a blank resolution.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RESOLUTIONS_2025 = Path(__file__).parent / "data" / "resolutions_2025.csv"


@dataclass(frozen=True)
class Resolution:
    """A resolution that rearranged units: of the provinces, or of one province's communes."""

    level: str  # "province" (all provinces) or "commune" (one province's communes)
    province_code: str
    resolution: str
    resolution_date: date
    effective_on: date
    source: str
    source_status: str  # "third-party", "unverified", "official"


def read_resolutions(path: Path = RESOLUTIONS_2025) -> list[Resolution]:
    """Return the rows of the resolutions table."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Resolution(
                level=r["level"],
                province_code=r["province_code"],
                resolution=r["resolution"],
                resolution_date=date.fromisoformat(r["resolution_date"]),
                effective_on=date.fromisoformat(r["effective_on"]),
                source=r["source"],
                source_status=r["source_status"],
            )
            for r in csv.DictReader(fh)
        ]


def resolution_for(level: str, province_code: str = "") -> Resolution | None:
    """Return the known resolution for the provinces, or for one province's communes."""
    wanted = "" if level == "province" else province_code
    return next(
        (r for r in read_resolutions() if r.level == level and r.province_code == wanted), None
    )
