"""Hand-written payload cases: valid ones, and invalid ones with the code the parser must give."""

from typing import Any

from tests.devices.payloads import reading, selfcheck, status


def _without(base: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k != key}


VALID: list[tuple[str, str, dict[str, Any]]] = [
    ("consumer check by stall", "reading", reading()),
    (
        "consumer check by stamp code",
        "reading",
        reading(check={"seller": {"stamp": "HN-2026-000123"}, "declared": 5, "category": "gao"}),
    ),
    ("plain reading in grams", "reading", _without(reading(unit="g", mass=1235), "check")),
    ("zero mass", "reading", _without(reading(mass=0), "check")),
    ("unstable reading", "reading", reading(stable=False)),
    ("utc Z and microseconds", "reading", reading(measured_at="2026-11-22T01:15:30.123456Z")),
    ("exactly 1000 kg", "reading", _without(reading(mass=1000), "check")),
    ("largest sequence", "reading", reading(seq=2**63 - 1)),
    ("self-check", "selfcheck", selfcheck()),
    ("self-check without weight id", "selfcheck", _without(selfcheck(), "weight")),
    ("status", "status", status()),
    (
        "status without rssi, with flags",
        "status",
        _without(status(errors=["adc_drift", "low_battery"]), "rssi_dbm"),
    ),
]

INVALID: list[tuple[str, str, dict[str, Any] | list[Any] | str, str]] = [
    ("not an object", "reading", [1, 2], "not_object"),
    ("version 2", "reading", reading(v=2), "version"),
    ("version missing", "reading", _without(reading(), "v"), "version"),
    ("version true", "reading", reading(v=True), "version"),
    ("status payload on readings topic", "reading", status(), "kind_mismatch"),
    ("reading payload on status topic", "status", reading(), "kind_mismatch"),
    ("unknown kind", "reading", reading(kind="weight"), "kind_mismatch"),
    ("missing mass", "reading", _without(reading(), "mass"), "missing"),
    ("missing boot", "selfcheck", _without(selfcheck(), "boot"), "missing"),
    ("extra field", "reading", reading(price=120000), "unknown_field"),
    # Found by the whole-path fuzz: the key went raw into the reason, and PostgreSQL refused a
    # dead letter holding NUL (the message was then set aside as "database").
    (
        "unknown field named with NUL and bidi",
        "reading",
        reading(**{"\x00\u202e": 1}),
        "unknown_field",
    ),
    ("mass as string", "reading", reading(mass="1.2"), "type"),
    ("mass true", "reading", reading(mass=True), "type"),
    ("negative mass", "reading", reading(mass=-0.5), "mass_negative"),
    ("absurd mass in kg", "reading", reading(mass=1000.001), "mass_absurd"),
    ("absurd mass in g", "reading", reading(unit="g", mass=1000001), "mass_absurd"),
    ("huge exponent", "reading", reading(mass=1e300), "mass_absurd"),
    (
        "declared zero",
        "reading",
        reading(check={"seller": {"stall": "A1"}, "declared": 0, "category": "rau"}),
        "mass_negative",
    ),
    ("nominal zero", "selfcheck", selfcheck(nominal=0), "mass_negative"),
    ("unit pound", "reading", reading(unit="lb"), "format"),
    ("negative sequence", "reading", reading(seq=-1), "seq_range"),
    ("sequence too big", "reading", reading(seq=2**63), "seq_range"),
    ("sequence as string", "reading", reading(seq="41"), "type"),
    ("stable as 1", "reading", reading(stable=1), "type"),
    ("naive time", "reading", reading(measured_at="2026-11-22T08:15:30"), "format"),
    ("date only", "reading", reading(measured_at="2026-11-22"), "format"),
    ("time before 2020", "reading", reading(measured_at="1970-01-01T00:00:05Z"), "time_past"),
    ("boot with a space", "reading", reading(boot="boot 1"), "format"),
    ("empty boot", "reading", reading(boot=""), "format"),
    (
        "two seller references",
        "reading",
        reading(
            check={"seller": {"stall": "A1", "stamp": "HN-1234"}, "declared": 1, "category": "ca"}
        ),
        "format",
    ),
    (
        "empty seller",
        "reading",
        reading(check={"seller": {}, "declared": 1, "category": "ca"}),
        "format",
    ),
    (
        "stall too long",
        "reading",
        reading(check={"seller": {"stall": "x" * 33}, "declared": 1, "category": "ca"}),
        "format",
    ),
    (
        "stall with a newline",
        "reading",
        reading(check={"seller": {"stall": "A\n1"}, "declared": 1, "category": "ca"}),
        "format",
    ),
    (
        "stamp too short",
        "reading",
        reading(check={"seller": {"stamp": "AB"}, "declared": 1, "category": "ca"}),
        "format",
    ),
    (
        "category with capitals",
        "reading",
        reading(check={"seller": {"stall": "A1"}, "declared": 1, "category": "Thit"}),
        "format",
    ),
    (
        "check missing category",
        "reading",
        reading(check={"seller": {"stall": "A1"}, "declared": 1}),
        "missing",
    ),
    ("check not an object", "reading", reading(check="A1"), "type"),
    ("rssi positive", "status", status(rssi_dbm=5), "range"),
    ("uptime negative", "status", status(uptime_s=-1), "range"),
    ("repeated error flag", "status", status(errors=["adc", "adc"]), "format"),
    ("error flag not a code", "status", status(errors=["ADC!"]), "format"),
    ("too many error flags", "status", status(errors=[f"e{i}" for i in range(17)]), "format"),
    ("errors not a list", "status", status(errors="adc"), "type"),
    ("firmware not ascii", "status", status(firmware="phiên bản 1"), "format"),
]
