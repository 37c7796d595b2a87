"""`metrology-svc audit verify` on a committed database: intact, edited, gap, truncated tail."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from metrology_svc.audit.service import audit
from metrology_svc.cli.main import app
from metrology_svc.db import new_session
from metrology_svc.settings import get_settings

runner = CliRunner()


@pytest.fixture
def chain(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Five committed records; the CLI's settings point at the same database."""
    with new_session(committed_engine) as session:
        for i in range(5):
            audit(session, actor=None, action="test.cli", entity="stamp", entity_id=i)
        session.commit()
    monkeypatch.setenv(
        "METROLOGY_DATABASE_URL", committed_engine.url.render_as_string(hide_password=False)
    )
    get_settings.cache_clear()
    yield committed_engine
    get_settings.cache_clear()


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


def _head(output: str) -> str:
    line = next(x for x in output.splitlines() if x.startswith("head seq="))
    return line.rsplit("hash=", 1)[1]


def test_intact_chain_exits_0_with_count_and_head(chain: Engine) -> None:
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "The audit chain is intact: 5 records." in result.output
    assert "Chuỗi nhật ký nguyên vẹn: 5 bản ghi" in result.output
    assert len(_head(result.output)) == 64


def test_edited_record_exits_1_naming_it(chain: Engine) -> None:
    _sql(chain, "UPDATE audit_record SET action = 'test.forged' WHERE seq = 4")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "Record seq 4 (id 4) was edited" in result.output
    assert "Bản ghi seq 4 (id 4) đã bị sửa" in result.output


def test_deleted_record_exits_1_naming_the_gap(chain: Engine) -> None:
    _sql(chain, "DELETE FROM audit_record WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "Records missing before seq 3 (id 3): seq 2 deleted" in result.output


def test_truncated_tail_is_found_only_with_the_kept_head(chain: Engine) -> None:
    kept = _head(runner.invoke(app, ["audit", "verify"]).output)
    _sql(chain, "DELETE FROM audit_record WHERE seq = 5")
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    result = runner.invoke(app, ["audit", "verify", "--expect-head", kept])
    assert result.exit_code == 1, result.output
    assert "The kept head hash is not in the chain (last seq 4)" in result.output
