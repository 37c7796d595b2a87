"""The field app's server side: its service worker, manifest and the site's stamp status list."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.web import field_offline
from tests.factories import World
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.stamps.support import issued
from tests.metrology_svc.web.conftest import login

API = "/api/v1"


def _build(source: str) -> dict[str, object]:
    found = re.search(r"var BUILD = (\{.*?\});\n", source)
    assert found, "the worker carries its build"
    build: dict[str, object] = json.loads(found.group(1))
    return build


def test_the_worker_is_served_for_the_web_scope_with_its_shell_and_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = client.get("/web/inspections/sw.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert res.headers["service-worker-allowed"] == "/web/"
    assert res.headers["cache-control"] == "no-cache"
    assert "worker-src 'self'" in res.headers["content-security-policy"]
    assert 'importScripts("/web/static/vendor/workbox-sw.js")' in res.text
    build = _build(res.text)
    urls = {e["url"]: e["revision"] for e in build["precache"]}  # type: ignore[attr-defined]
    for name in ("inspection.js", "field_store.js", "field_stamps.js", "field.css", "web.css"):
        assert re.fullmatch(r"[0-9a-f]{16}", urls[f"/web/static/{name}"])
    # Anything that changes the shell makes a new worker version; the same build keeps its own.
    assert _build(client.get("/web/inspections/sw.js").text)["version"] == build["version"]
    monkeypatch.setattr(field_offline, "BUILD_EXTRA", "next")
    assert _build(client.get("/web/inspections/sw.js").text)["version"] != build["version"]


def test_the_manifest_makes_an_installable_app_in_the_page_language(client: TestClient) -> None:
    res = client.get("/web/inspections/app.webmanifest")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/manifest+json")
    vi = res.json()
    assert vi["name"] == "Kiểm tra đo lường tại hiện trường"
    assert (vi["start_url"], vi["scope"], vi["display"]) == (
        "/web/inspections",
        "/web/",
        "standalone",
    )
    assert {i["sizes"] for i in vi["icons"]} == {"192x192", "512x512"}
    for icon in vi["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
    en = client.get("/web/inspections/app.webmanifest", params={"lang": "en"}).json()
    assert en["name"] == "Metrology field inspection"


def test_the_status_list_gives_the_site_stamps_in_scope_read_only(
    client: TestClient, db: Session, world: World
) -> None:
    stamp = issued(client, world)
    iid = open_inspection(client, world)["id"]
    login(client, db, "inspector_a")
    res = client.get(f"/web/inspections/{iid}/stamps.json")
    assert res.status_code == 200
    assert res.headers["cache-control"] == "no-store"
    body = res.json()
    assert re.fullmatch(r"\d+", res.headers[field_offline.USER_HEADER])  # the session's user
    assert body["synced_at"].endswith("+00:00")
    assert body["titles"]["forged"] == ["CẢNH BÁO: tem giả", "WARNING: forged stamp"]
    (row,) = [s for s in body["stamps"] if s["id"] == stamp["id"]]
    assert row["serial"] == stamp["serial"]
    assert row["instrument_id"] == stamp["instrument_id"]
    assert row["valid_until"] == stamp["valid_until"]
    assert row["state"] in ("valid", "expiring", "expired")  # the test clock's day decides
    # A revoked stamp is listed as revoked with its reason.
    revoke = {"reason": "lost_or_stolen"}
    r = client.post(f"{API}/stamps/{stamp['id']}/revoke", json=revoke, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    (row,) = [
        s
        for s in client.get(f"/web/inspections/{iid}/stamps.json").json()["stamps"]
        if s["id"] == stamp["id"]
    ]
    assert (row["state"], row["reason"]) == ("revoked", "lost_or_stolen")
    assert row["reason_vi"] == "Tem bị mất hoặc bị lấy cắp"
    # Another district's inspector may not read it; nobody may write through it.
    login(client, db, "inspector_b")
    assert client.get(f"/web/inspections/{iid}/stamps.json").status_code == 403
    assert client.post(f"/web/inspections/{iid}/stamps.json").status_code == 405


def test_the_field_pages_name_their_user_for_the_worker(
    client: TestClient, db: Session, world: World
) -> None:
    iid = open_inspection(client, world)["id"]
    login(client, db, "inspector_a")
    page = client.get(f"/web/inspections/{iid}")
    who = page.headers[field_offline.USER_HEADER]
    assert f'data-user="{who}"' in page.text
    assert client.get("/web/inspections").headers[field_offline.USER_HEADER] == who
    assert '<script src="/web/static/field_store.js"></script>' in page.text
    assert 'id="field-words"' in page.text
    login(client, db, "viewer")
    assert client.get(f"/web/inspections/{iid}").headers[field_offline.USER_HEADER] != who
