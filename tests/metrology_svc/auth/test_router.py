"""Accounts: tokens are shown once and stored hashed; roles and jurisdiction come with them."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.auth.models import ApiToken
from metrology_svc.auth.service import hash_token
from tests.factories import World


def test_admin_creates_inspector_whose_token_works(
    client: TestClient, world: World, db: Session
) -> None:
    r = client.post(
        "/api/v1/users",
        json={
            "name": "Lê Thị Mai",
            "email": "Mai@TDC.example.vn",
            "role": "inspector",
            "unit_codes": ["18781"],
        },
        headers=world.auth("admin"),
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["unit_paths"]) == ("inspector", ["42/18781/"])
    stored = db.exec(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hash_token(token) in stored


def test_inspector_needs_a_unit_and_email_is_unique(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    r = client.post(
        "/api/v1/users",
        json={"name": "No Unit", "email": "x@example.vn", "role": "inspector"},
        headers=h,
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/users",
        json={"name": "Dup", "email": "VIEWER@tdc.example.vn", "role": "viewer"},
        headers=h,
    )
    assert r.status_code == 409


def test_only_admin_creates_users(client: TestClient, world: World) -> None:
    body = {"name": "Someone", "email": "s@example.vn", "role": "admin"}
    assert (
        client.post("/api/v1/users", json=body, headers=world.auth("inspector_a")).status_code
        == 403
    )
