"""`metrology-svc scheduler --once` on a fresh SQLite file."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.settings import get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_scheduler_once_scans_and_dispatches(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["scan"]["recalls"] == 0
    assert counts["liveness"] == {"offline": 0, "notices": 0, "deliveries": 0, "ingest_silent": 0}
    assert counts["deliveries"] == {}
    assert (data_dir / "metrology.db").exists()
