"""Payload builders shared by the device tests: valid v1 objects to mutate."""

from typing import Any

MEASURED_AT = "2026-11-22T08:15:30+07:00"


def reading(**changes: Any) -> dict[str, Any]:
    """Return a valid consumer-check reading object, with changes applied."""
    base: dict[str, Any] = {
        "v": 1,
        "kind": "reading",
        "boot": "3f2a-boot",
        "seq": 41,
        "measured_at": MEASURED_AT,
        "unit": "kg",
        "mass": 1.235,
        "stable": True,
        "check": {"seller": {"stall": "Sạp A-12"}, "declared": 1.3, "category": "thit_lon"},
    }
    return base | changes


def selfcheck(**changes: Any) -> dict[str, Any]:
    """Return a valid self-check object, with changes applied."""
    base: dict[str, Any] = {
        "v": 1,
        "kind": "selfcheck",
        "boot": "3f2a-boot",
        "seq": 42,
        "measured_at": MEASURED_AT,
        "unit": "g",
        "nominal": 2000,
        "mass": 2005,
        "stable": True,
        "weight": "M1-2kg-07",
    }
    return base | changes


def status(**changes: Any) -> dict[str, Any]:
    """Return a valid status object, with changes applied."""
    base: dict[str, Any] = {
        "v": 1,
        "kind": "status",
        "boot": "3f2a-boot",
        "seq": 43,
        "measured_at": "2026-11-22T01:15:30Z",
        "uptime_s": 3600,
        "firmware": "metrology-device-0.1",
        "rssi_dbm": -67,
        "errors": [],
    }
    return base | changes
