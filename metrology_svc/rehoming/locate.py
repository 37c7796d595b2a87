"""Read places with the units package's converter: an address's commune, a commune's centre.

The converter loads the vietnamadminunits data on first use, so it is imported only when a
site actually needs a suggestion (a run with nothing split never pays for it). Answers are
kept per process: a province's candidates repeat from site to site (a commune's centre took
about 17 ms to look up, an address about 50 ms, on 2026-12-06).
"""

import functools

from metrology_svc.units.models import AdminUnit


def province_of(unit: AdminUnit) -> str:
    """Return the province code at the head of a unit's path ("42/18754/" → "42")."""
    return unit.path.split("/", 1)[0]


@functools.lru_cache(maxsize=4096)
def address_commune(address: str) -> str | None:
    """Return the code (scheme in force) of the commune an address names, old form or new.

    An old-style address naming a commune that was split says nothing about which part the
    site is in (the converter answers with the main successor): that gives None.
    """
    if not address.strip():
        return None
    from metrology_svc.units.conversion import convert_address

    match = convert_address(address)
    if match is None or (match.old_style and len(match.successors) > 1):
        return None
    return match.commune_code


@functools.lru_cache(maxsize=8192)
def commune_centre(province_code: str, commune_code: str) -> tuple[float, float] | None:
    """Return the (latitude, longitude) of a commune's centre, if the package knows it."""
    from metrology_svc.units.conversion import centroid

    return centroid(province_code, commune_code)
