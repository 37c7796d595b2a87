"""Owner portal accounts: linked to one owner, read its instruments and notices, change nothing."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from metrology_svc.auth.models import OwnerUser, User
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.owners.models import Owner
from metrology_svc.settings import get_settings
from tests.factories import World, dispenser, spring_scale

API = "/api/v1"


def _owner_account(client: TestClient, world: World, owner_id: int) -> dict[str, str]:
    body = {"name": "Chủ", "email": f"chu{owner_id}@example.vn", "role": "owner",
            "owner_id": owner_id}  # fmt: skip
    r = client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["user"]["owner_id"] == owner_id
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize(
    ("extra", "loc"),
    [
        ({}, "owner_id"),
        ({"owner_id": 987654}, "owner_id"),
        ({"owner_id": "OWNER", "unit_codes": ["18754"]}, "unit_codes"),
    ],
)
def test_an_owner_account_needs_exactly_one_real_owner(
    client: TestClient, world: World, extra: dict[str, object], loc: str
) -> None:
    if extra.get("owner_id") == "OWNER":
        extra = {**extra, "owner_id": world.owner_vi}
    body = {"name": "Chủ", "email": "chu@example.vn", "role": "owner", **extra}
    r = client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["loc"] == [loc]


def test_only_owner_accounts_link_to_an_owner(client: TestClient, world: World) -> None:
    body = {"name": "KĐV", "email": "kdv@example.vn", "role": "viewer", "owner_id": world.owner_vi}
    r = client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    assert r.status_code == 422, r.text


def test_an_owner_reads_its_own_instruments_and_changes_nothing(
    client: TestClient, world: World
) -> None:
    admin = world.auth("admin")
    mine = client.post(f"{API}/instruments", json=spring_scale(world), headers=admin).json()["id"]
    other = client.post(f"{API}/instruments", json=dispenser(world), headers=admin).json()["id"]
    owner = _owner_account(client, world, world.owner_vi)
    me = client.get(f"{API}/users/me", headers=owner).json()
    assert (me["role"], me["owner_id"], me["unit_paths"]) == ("owner", world.owner_vi, [])
    listed = client.get(f"{API}/instruments", headers=owner).json()
    assert [i["id"] for i in listed["items"]] == [mine]
    assert listed["total"] == 1
    r = client.get(f"{API}/instruments", params={"owner_id": world.owner_en}, headers=owner)
    assert r.status_code == 403
    assert client.get(f"{API}/instruments/{mine}", headers=owner).status_code == 200
    assert client.get(f"{API}/instruments/{mine}/history", headers=owner).status_code == 200
    assert client.get(f"{API}/instruments/{other}", headers=owner).status_code == 403
    r = client.patch(f"{API}/instruments/{mine}", json={"model": "X"}, headers=owner)
    assert r.status_code == 403
    assert "chủ phương tiện" in r.json()["error"]["message_vi"]
    r = client.post(f"{API}/instruments", json=spring_scale(world, serial="N-2"), headers=owner)
    assert r.status_code == 403
    assert client.get(f"{API}/owners", headers=owner).status_code == 403
    assert client.get(f"{API}/instruments/stats", headers=owner).status_code == 403


def test_users_create_owner_account_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        engine = build_engine(f"sqlite:///{tmp_path / 'metrology.db'}")
        with Session(engine) as session:
            owner = Owner(name="Sạp cá cô Lan")
            session.add(owner)
            session.commit()
            owner_id = owner.id
        args = ["users", "create", "--email", "lan@example.vn", "--name", "Lan", "--role", "owner"]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 1
        assert "owner_id" in refused.output
        result = runner.invoke(app, [*args, "--owner-id", str(owner_id)])
        assert result.exit_code == 0, result.output
        assert result.output.strip().splitlines()[-1].startswith("mtk_")
        with Session(engine) as session:
            user = session.exec(select(User)).one()
            link = session.get(OwnerUser, user.id)
        assert (user.role, link and link.owner_id) == ("owner", owner_id)
    finally:
        get_settings.cache_clear()
