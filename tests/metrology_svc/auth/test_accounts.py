"""Tokens expire and can be revoked; disabled accounts lose their tokens and sessions at once."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.auth import accounts
from metrology_svc.auth.models import ApiToken
from metrology_svc.auth.service import (
    DEFAULT_TOKEN_DAYS,
    hash_token,
    issue_token,
    token_expiry,
)
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.settings import Settings
from tests.factories import World
from tests.metrology_svc.web.conftest import login

ME = "/api/v1/users/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _user_id(db: Session, role: str) -> int:
    return accounts.user_of(db, f"{role}@tdc.example.vn").id or 0


def _row(db: Session, token: str) -> ApiToken:
    return db.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one()


def test_the_default_lifetime_is_the_settings_and_an_explicit_one_is_kept(
    client: TestClient, world: World, db: Session
) -> None:
    assert Settings().token_days == DEFAULT_TOKEN_DAYS
    made: list[datetime | None] = []
    for extra in ({}, {"token_days": 7}, {"token_days": 0}):
        r = client.post(
            "/api/v1/users",
            json={"name": "Kế toán", "email": f"kt{len(made)}@tdc.example.vn", "role": "viewer"}
            | extra,
            headers=world.auth("admin"),
        )
        assert r.status_code == 201, r.text
        made.append(_row(db, r.json()["token"]).expires_at)
    default, seven, never = made
    assert default is not None
    assert seven is not None
    assert abs(default - (utcnow() + timedelta(days=DEFAULT_TOKEN_DAYS))) < timedelta(minutes=5)
    assert abs(seven - (utcnow() + timedelta(days=7))) < timedelta(minutes=5)
    assert never is None


def test_an_expired_token_gets_401(client: TestClient, world: World, db: Session) -> None:
    user_id = _user_id(db, "viewer")
    token = issue_token(db, user_id=user_id, label="script", expires_at=token_expiry(1))
    db.commit()
    assert client.get(ME, headers=_bearer(token)).status_code == 200
    row = _row(db, token)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    answer = client.get(ME, headers=_bearer(token))
    assert answer.status_code == 401
    assert "hết hạn" in answer.json()["error"]["message_vi"]
    assert "expired" in answer.json()["error"]["message"]
    listed = accounts.list_tokens(db, email="viewer@tdc.example.vn")
    assert [r.state(utcnow()) for r in listed if r.token.id == row.id] == ["expired"]


def test_a_token_cannot_be_made_already_expired(db: Session, world: World) -> None:
    with pytest.raises(Invalid):
        issue_token(db, user_id=_user_id(db, "viewer"), expires_at=utcnow() - timedelta(days=1))
    with pytest.raises(Invalid):
        token_expiry(-1)


def test_a_revoked_token_gets_401_at_once_and_others_keep_working(
    client: TestClient, world: World, db: Session
) -> None:
    user, spare = accounts.make_token(
        db, email="inspector_a@tdc.example.vn", label="spare", expires_at=None
    )
    db.commit()
    assert client.get(ME, headers=_bearer(spare)).status_code == 200
    revoked = accounts.revoke_token(db, token_id=_row(db, spare).id or 0)
    db.commit()
    assert revoked.revoked_at is not None
    assert client.get(ME, headers=_bearer(spare)).status_code == 401
    assert client.get(ME, headers=world.auth("inspector_a")).status_code == 200
    again = accounts.revoke_token(db, token_id=revoked.id or 0)  # twice: no change
    assert again.revoked_at == revoked.revoked_at
    assert accounts.revoke_all(db, email=user.email) == 1  # the first token, still live
    db.commit()
    assert client.get(ME, headers=world.auth("inspector_a")).status_code == 401
    with pytest.raises(NotFound):
        accounts.revoke_token(db, token_id=987654)


def test_a_disabled_account_loses_tokens_and_sessions_at_once(
    client: TestClient, world: World, db: Session
) -> None:
    login(client, db, "viewer")
    assert client.get("/web/", follow_redirects=False).status_code == 200
    cookie_jar = dict(client.cookies)
    accounts.set_disabled(db, email="viewer@tdc.example.vn", disabled=True)
    db.commit()
    assert client.get(ME, headers=world.auth("viewer")).status_code == 401
    page = client.get("/web/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/web/login")
    # Enabled again: its tokens work again, its old sessions never do.
    accounts.set_disabled(db, email="viewer@tdc.example.vn", disabled=False)
    db.commit()
    assert client.get(ME, headers=world.auth("viewer")).status_code == 200
    client.cookies.clear()
    for name, value in cookie_jar.items():
        client.cookies.set(name, value)
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_tokens_are_listed_newest_first_without_their_secret(db: Session, world: World) -> None:
    _user, token = accounts.make_token(
        db, email="admin@tdc.example.vn", label="báo cáo", expires_at=token_expiry(30)
    )
    rows = accounts.list_tokens(db, email="ADMIN@tdc.example.vn")
    assert rows[0].token.label == "báo cáo"
    assert rows[0].token.prefix == token[:10]
    assert rows[0].state(utcnow()) == "live"
    assert all(r.user.email == "admin@tdc.example.vn" for r in rows)
    assert len(accounts.list_tokens(db)) > len(rows)
