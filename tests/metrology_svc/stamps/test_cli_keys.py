"""`metrology-svc keys rotate` and `keys list`."""

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.settings import get_settings
from metrology_svc.stamps.keys import key_path

runner = CliRunner()


def test_rotate_adds_a_key_and_list_shows_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METROLOGY_STAMP_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("METROLOGY_STAMP_SIGNING_KEY", raising=False)
    get_settings.cache_clear()
    try:
        first = runner.invoke(app, ["keys", "rotate"])
        assert first.exit_code == 0, first.output
        assert first.stdout.strip().splitlines()[-1] == "2"  # key 1 is made first, then 2
        for key_id in (1, 2):
            assert stat.S_IMODE(key_path(tmp_path / "keys", key_id).stat().st_mode) == 0o600
        listed = runner.invoke(app, ["keys", "list"])
        rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
        assert [(r[0], r[-1]) for r in rows] == [("1", ""), ("2", "active")]
        assert all(len(r[1]) == 44 for r in rows)  # Base64 of 32 bytes
    finally:
        get_settings.cache_clear()


def test_rotate_refuses_a_key_given_by_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METROLOGY_STAMP_SIGNING_KEY", str(tmp_path / "given.pem"))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["keys", "rotate"])
        assert result.exit_code == 1
    finally:
        get_settings.cache_clear()
