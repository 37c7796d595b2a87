"""Stamp tests: scans are written at once (no flush interval) and the rate limit is generous."""

from pathlib import Path

import pytest

from metrology_svc.settings import Settings

BASE_URL = "https://kiemdinh.tdc.example.vn"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private key directory, immediate scan writes and a known base URL."""
    return Settings(
        data_dir=tmp_path,
        stamp_key_dir=tmp_path / "keys",
        public_base_url=BASE_URL,
        stamp_scan_flush_seconds=0,
        stamp_verify_rate_per_s=1000,
        stamp_verify_burst=1000,
    )
