"""Lines a weighing indicator prints continuously on its serial port, read into grams.

Two common formats:
- "ST,GS,+0001.234kg" (status ST stable / US unstable / OL overload, mode GS gross / NT net);
- Mettler-Toledo MT-SICS "S S      1.234 kg" (S stable, D dynamic; "S I", "S +", "S -" are
  busy, overload and underload).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

MAX_LINE: Final = 64
_FACTOR: Final = {"g": Decimal(1), "kg": Decimal(1000)}
_STGS: Final = re.compile(
    r"(?P<status>ST|US|OL),(?P<mode>GS|NT|TR)\s*,\s*(?P<sign>[+-]?)\s*"
    r"(?P<value>[0-9]{1,7}(?:\.[0-9]{1,6})?)\s*(?P<unit>kg|g)"
)
_SICS: Final = re.compile(
    r"S\s+(?P<status>[SD])\s+(?P<sign>[+-]?)\s*(?P<value>[0-9]{1,7}(?:\.[0-9]{1,6})?)\s+(?P<unit>kg|g)"
)
_SICS_STATES: Final = {"S I": "busy", "S +": "overload", "S -": "underload", "ES": "syntax"}


@dataclass(frozen=True)
class IndicatorReading:
    """A mass the indicator showed, in grams, and whether it was stable."""

    mass_g: Decimal
    stable: bool
    net: bool
    fmt: Literal["stgs", "sics"]


@dataclass(frozen=True)
class Unreadable:
    """A line that is no usable mass: noise, garbage, overload, tare echo..."""

    code: str
    line: str


def _clean(raw: bytes | str) -> str:
    text = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else raw
    # Indicators frame lines with STX/ETX and pad with spaces or NULs: keep the printable core.
    return text.strip("\x00\x02\x03\r\n\t ")


def _grams(sign: str, value: str, unit: str) -> Decimal:
    grams = Decimal(value) * _FACTOR[unit]
    return -grams if sign == "-" else grams


def parse_line(raw: bytes | str) -> IndicatorReading | Unreadable:
    """Read one indicator line into a mass in grams, or say why it is unreadable."""
    line = _clean(raw)
    if not line:
        return Unreadable("empty", line)
    if len(line) > MAX_LINE:
        return Unreadable("too_long", line[:MAX_LINE])
    if match := _STGS.fullmatch(line):
        if match["status"] == "OL":
            return Unreadable("overload", line)
        if match["mode"] == "TR":
            return Unreadable("tare", line)
        mass = _grams(match["sign"], match["value"], match["unit"])
        return IndicatorReading(mass, match["status"] == "ST", match["mode"] == "NT", "stgs")
    if match := _SICS.fullmatch(line):
        mass = _grams(match["sign"], match["value"], match["unit"])
        return IndicatorReading(mass, match["status"] == "S", False, "sics")
    state = _SICS_STATES.get(" ".join(line.split()))
    return Unreadable(state or "garbage", line)
