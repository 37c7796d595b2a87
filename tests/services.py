"""Reaching the real parts tests need; a missing part skips on a laptop and fails in CI."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("METROLOGY_REQUIRE_SERVICES", "") == "1"


def missing(reason: str) -> None:
    """Skip the test for a missing part, or fail it when CI requires every part."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (METROLOGY_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)
