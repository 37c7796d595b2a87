"""Signed session cookies and CSRF tokens."""

from pathlib import Path

from metrology_svc.settings import Settings
from metrology_svc.web.session import (
    SESSION_SECONDS,
    csrf_ok,
    csrf_token,
    make_session,
    read_session,
    session_secret,
)

KEY = b"k" * 32


def _bound(user_id: int) -> str | None:
    return {7: "hash-of-7", 1: "hash-of-1"}.get(user_id)


def test_a_session_reads_back_until_it_expires() -> None:
    value = make_session(KEY, user_id=7, bound="hash-of-7", now=1000.0)
    found = read_session(KEY, value, bound_of=_bound, now=1000.0 + SESSION_SECONDS - 1)
    assert found is not None
    assert found.user_id == 7
    late = 1000.0 + SESSION_SECONDS + 1
    assert read_session(KEY, value, bound_of=_bound, now=late) is None


def test_a_changed_or_foreign_cookie_is_refused() -> None:
    value = make_session(KEY, user_id=7, bound="hash-of-7", now=1000.0)
    _uid, rest = value.split(".", 1)
    at = 1000.0
    assert read_session(KEY, value, bound_of=_bound, now=at) is not None
    assert read_session(KEY, "1." + rest, bound_of=_bound, now=at) is None  # another user id
    assert read_session(b"other" * 8, value, bound_of=_bound, now=at) is None
    assert read_session(KEY, "garbage", bound_of=_bound, now=at) is None
    assert read_session(KEY, None, bound_of=_bound) is None


def test_a_new_password_ends_the_sessions_made_before_it() -> None:
    value = make_session(KEY, user_id=7, bound="hash-of-7", now=1000.0)
    assert read_session(KEY, value, bound_of=lambda _u: "new-hash", now=1000.0) is None
    assert read_session(KEY, value, bound_of=lambda _u: None, now=1000.0) is None


def test_csrf_token_is_bound_to_its_nonce() -> None:
    token = csrf_token(KEY, "nonce-a")
    assert csrf_ok(KEY, "nonce-a", token)
    assert not csrf_ok(KEY, "nonce-b", token)
    assert not csrf_ok(KEY, "nonce-a", None)
    assert not csrf_ok(KEY, None, token)


def test_the_key_file_is_made_once_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, stamp_key_dir=tmp_path / "keys")
    first = session_secret(settings)
    assert session_secret(settings) == first
    assert len(first) == 64
    assert (tmp_path / "keys" / "web-session.key").stat().st_mode & 0o077 == 0
