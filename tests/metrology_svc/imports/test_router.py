"""Upload a list over HTTP, download the filtered list, and round-trip one into the other."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from metrology_svc.settings import Settings
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.imports.support import scale_row, write_csv, write_xlsx

IMPORT, EXPORT, LIST = (
    "/api/v1/imports/instruments",
    "/api/v1/exports/instruments",
    "/api/v1/instruments",
)


def upload(
    client: TestClient, world: World, path: Path, *, role: str = "admin", mode: str | None = None
) -> httpx.Response:
    data = {"mode": mode} if mode else {}
    with path.open("rb") as handle:
        response: httpx.Response = client.post(
            IMPORT, files={"file": (path.name, handle)}, data=data, headers=world.auth(role)
        )
    return response


def test_upload_csv_returns_the_report(client: TestClient, world: World, tmp_path: Path) -> None:
    r = upload(client, world, write_csv(tmp_path / "a.csv", [scale_row("H-1"), scale_row("H-2")]))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["written"]) == (2, True)
    listed = client.get(LIST, params={"serial": "H-"}, headers=world.auth("viewer")).json()
    assert listed["total"] == 2


def test_all_or_nothing_refusal_is_422_with_the_rows(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("H-1"), scale_row("H-2", due_date="32/01/2027")]
    r = upload(client, world, write_xlsx(tmp_path / "a.xlsx", rows))
    assert r.status_code == 422
    body = r.json()
    assert body["error"]["details"][0]["loc"] == ["file", 4, "Hạn kiểm định"]
    assert body["report"]["rejected"] == 1
    assert (
        client.get(LIST, params={"serial": "H-"}, headers=world.auth("viewer")).json()["total"] == 0
    )


def test_valid_only_mode_from_the_form(client: TestClient, world: World, tmp_path: Path) -> None:
    rows = [scale_row("H-1"), scale_row("H-2", e_g="x")]
    r = upload(client, world, write_csv(tmp_path / "a.csv", rows), mode="valid-only")
    assert r.status_code == 200
    assert (r.json()["created"], r.json()["rejected"]) == (1, 1)
    bad = upload(client, world, write_csv(tmp_path / "a.csv", rows), mode="some")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"] == ["body", "mode"]


def test_a_file_that_is_not_a_list_is_422(client: TestClient, world: World, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(200))
    r = upload(client, world, path)
    assert r.status_code == 422
    assert r.json()["error"]["message_vi"].startswith("Tệp không phải danh sách")
    no_file = client.post(IMPORT, data={"mode": "valid-only"}, headers=world.auth("admin"))
    assert no_file.status_code == 422


def test_an_oversized_upload_is_413(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    settings.max_upload_bytes = 100_000
    path = tmp_path / "big.csv"
    write_csv(path, [scale_row(f"B-{i}") for i in range(2000)])
    assert path.stat().st_size > 100_000
    assert upload(client, world, path).status_code == 413

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the limit must hold while the body streams in.
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(300):
            yield b"x" * 1000
        yield b"\r\n--xyz--\r\n"

    r = client.post(
        IMPORT,
        content=chunks(),
        headers={**world.auth("admin"), "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_viewers_cannot_upload_and_tokens_are_needed(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", [scale_row()])
    assert upload(client, world, path, role="viewer").status_code == 403
    with path.open("rb") as handle:
        assert client.post(IMPORT, files={"file": ("a.csv", handle)}).status_code == 401


@pytest.mark.parametrize(("fmt", "lang"), [("csv", "vi"), ("xlsx", "en")])
def test_export_then_import_changes_nothing(
    client: TestClient, world: World, tmp_path: Path, fmt: str, lang: str
) -> None:
    admin = world.auth("admin")
    for body in (
        spring_scale(world),
        dispenser(world),
        spring_scale(world, serial="LX-B", site_id=world.market_b),
    ):
        assert client.post(LIST, json=body, headers=admin).status_code == 201
    r = client.get(EXPORT, params={"format": fmt, "lang": lang}, headers=admin)
    assert r.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.content)
    again = upload(client, world, path)
    assert again.status_code == 200, again.text
    report = again.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 3)


def test_export_follows_the_list_filters_and_jurisdiction(client: TestClient, world: World) -> None:
    admin = world.auth("admin")
    client.post(LIST, json=spring_scale(world), headers=admin)
    client.post(
        LIST, json=spring_scale(world, serial="LX-B", site_id=world.market_b), headers=admin
    )
    text = client.get(EXPORT, params={"format": "csv"}, headers=world.auth("inspector_a")).text
    assert "LX-0001" in text
    assert "LX-B" not in text
    assert text.startswith("\ufeffLoại phương tiện đo,Số sản xuất")
    only_b = client.get(EXPORT, params={"unit_code": "437", "lang": "en"}, headers=admin).text
    assert "LX-B" in only_b
    assert "LX-0001" not in only_b
    assert only_b.startswith("\ufeffType,Serial")
    assert client.get(EXPORT, params={"format": "pdf"}, headers=admin).status_code == 422
