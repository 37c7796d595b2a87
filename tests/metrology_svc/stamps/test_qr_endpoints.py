"""QR PNG/SVG and the PDF sheet over HTTP; an independent decoder (zbar) reads what we print."""

import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.stamps.conftest import BASE_URL
from tests.metrology_svc.stamps.support import API, freeze, issued
from tests.services import missing


def _zbar(path: Path) -> list[str]:
    if shutil.which("zbarimg") is None:
        missing("zbarimg (Debian zbar-tools) is not installed")
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.split()


def test_png_decodes_to_the_stamp_url_and_the_url_works(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    r = client.get(f"{API}/stamps/{stamp['id']}/qr.png", headers=world.auth("inspector_a"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    (tmp_path / "qr.png").write_bytes(r.content)
    [decoded] = _zbar(tmp_path / "qr.png")
    assert decoded.lower() == stamp["url"].lower()
    assert decoded.startswith(BASE_URL.upper())  # uppercase keeps the QR alphanumeric
    page = client.get(urlsplit(decoded).path)  # a phone opens exactly what it read
    assert page.status_code == 200
    assert 'data-state="valid"' in page.text


def test_svg_and_access(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    url = f"{API}/stamps/{stamp['id']}/qr.svg"
    r = client.get(url, headers=world.auth("admin"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.content.startswith(b"<?xml")
    assert b"<path" in r.content
    assert client.get(url).status_code == 401
    assert client.get(url, headers=world.auth("inspector_b")).status_code == 403


def test_sheet_pdf_carries_decodable_codes(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    freeze(client, date(2026, 11, 22))
    stamps = [issued(client, world, serial=f"S-{i}") for i in range(3)]
    body = {"stamp_ids": [s["id"] for s in stamps], "label_width_mm": 40, "label_height_mm": 50}
    r = client.post(f"{API}/stamps/sheet", json=body, headers=world.auth("admin"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm (Debian poppler-utils) is not installed")
    (tmp_path / "sheet.pdf").write_bytes(r.content)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "sheet.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=120,
    )
    decoded = {d.lower() for d in _zbar(tmp_path / "page.png")}
    assert decoded == {s["url"].lower() for s in stamps}


def test_sheet_refuses_unknown_or_foreign_stamps(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    url = f"{API}/stamps/sheet"
    missing_one = client.post(
        url, json={"stamp_ids": [stamp["id"], 999999]}, headers=world.auth("admin")
    )
    assert missing_one.status_code == 404
    foreign = client.post(url, json={"stamp_ids": [stamp["id"]]}, headers=world.auth("inspector_b"))
    assert foreign.status_code == 403
    assert client.post(url, json={"stamp_ids": []}, headers=world.auth("admin")).status_code == 422
