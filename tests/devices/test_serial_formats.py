"""Indicator lines in the two common continuous-output formats, read into grams."""

from decimal import Decimal

import pytest

from devices.serial_formats import IndicatorReading, Unreadable, parse_line


@pytest.mark.parametrize(
    ("line", "grams", "stable", "net", "fmt"),
    [
        (b"ST,GS,+0001.234kg\r\n", "1234", True, False, "stgs"),
        (b"US,GS,+0001.230kg\r\n", "1230", False, False, "stgs"),
        (b"ST,NT,+0000.850kg\r\n", "850", True, True, "stgs"),
        (b"ST,GS,-0000.020kg\r\n", "-20", True, False, "stgs"),
        (b"ST,GS,+  12.5 kg", "12500", True, False, "stgs"),
        (b"ST,GS,+001250g", "1250", True, False, "stgs"),
        (b"\x02ST,GS,+0001.234kg\x03\r\n", "1234", True, False, "stgs"),
        (b"S S      1.234 kg\r\n", "1234", True, False, "sics"),
        (b"S D      1.236 kg\r\n", "1236", False, False, "sics"),
        (b"S S     -0.005 kg", "-5", True, False, "sics"),
        (b"S S    250.0 g", "250.0", True, False, "sics"),
        ("S S      0.000 kg", "0", True, False, "sics"),
    ],
)
def test_mass_lines_are_read_in_grams(
    line: bytes | str, grams: str, stable: bool, net: bool, fmt: str
) -> None:
    assert parse_line(line) == IndicatorReading(Decimal(grams), stable, net, fmt)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"\r\n", "empty"),
        (b"OL,GS,+9999.999kg", "overload"),
        (b"ST,TR,+0000.500kg", "tare"),
        (b"S I", "busy"),
        (b"S +", "overload"),
        (b"S -", "underload"),
        (b"ES", "syntax"),
        (b"ST,GS,+0001.234lb", "garbage"),
        (b"ST,GS,+00\xff1.234kg", "garbage"),
        (b"ST,GS,+0001.234kgST,GS,+0001.234kg", "garbage"),  # two lines run together
        (b"S S 1.2.3 kg", "garbage"),
        (b"hello", "garbage"),
        (b"ST,GS," + b"1" * 80 + b"kg", "too_long"),
    ],
)
def test_noise_and_states_are_unreadable(line: bytes, code: str) -> None:
    result = parse_line(line)
    assert isinstance(result, Unreadable)
    assert result.code == code
