"""CLI tests run against a private SQLite file named through the environment."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from metrology_svc.settings import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the settings at a fresh data directory; yield the database file path."""
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "metrology.db"
    get_settings.cache_clear()
