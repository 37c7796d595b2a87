"""1701: tokens get an expiry (old ones keep none), users a session epoch; and back."""

from sqlalchemy import Engine, inspect, text

from metrology_svc import migrate


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_the_columns_come_and_go_and_old_rows_keep_working(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="1606")
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (id, name, email, role, disabled, created_at) "
                "VALUES (1, 'A', 'a@tdc.example.vn', 'admin', false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_token (user_id, token_hash, prefix, label, created_at) "
                "VALUES (1, :h, 'mtk_abcdef', 'old', CURRENT_TIMESTAMP)"
            ),
            {"h": "0" * 64},
        )
    migrate.upgrade(fresh_engine, revision="1701")
    assert "expires_at" in _columns(fresh_engine, "api_token")
    assert "session_epoch" in _columns(fresh_engine, "app_user")
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT session_epoch FROM app_user")).scalar_one() == 0
        assert conn.execute(text("SELECT expires_at FROM api_token")).scalar_one() is None
    migrate.downgrade(fresh_engine, revision="1606")
    assert "expires_at" not in _columns(fresh_engine, "api_token")
    assert "session_epoch" not in _columns(fresh_engine, "app_user")
    migrate.upgrade(fresh_engine, revision="1701")
    assert "session_epoch" in _columns(fresh_engine, "app_user")
