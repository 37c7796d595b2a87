"""Upload a list over HTTP, download the filtered list, and round-trip one into the other."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bench.upload_bombs import lie_about_sizes, xlsx_empty_rows, xlsx_one_cell
from metrology_svc.imports.schemas import REPORTED_ROWS
from metrology_svc.settings import Settings
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.imports.support import scale_row, write_csv, write_xlsx

IMPORT, EXPORT, LIST = (
    "/api/v1/imports/instruments",
    "/api/v1/exports/instruments",
    "/api/v1/instruments",
)


def upload(
    client: TestClient,
    world: World,
    path: Path,
    *,
    role: str = "admin",
    mode: str | None = None,
    convention: str | None = None,
) -> httpx.Response:
    data = {"mode": mode} if mode else {}
    if convention is not None:
        data["convention"] = convention
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
    rows = [scale_row("H-1"), scale_row("H-2", last_verified_on="32/01/2025")]
    r = upload(client, world, write_xlsx(tmp_path / "a.xlsx", rows))
    assert r.status_code == 422
    body = r.json()
    assert body["error"]["details"][0]["loc"] == ["file", 4, "Ngày kiểm định"]
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
    only_b = client.get(EXPORT, params={"unit_code": "18781", "lang": "en"}, headers=admin).text
    assert "LX-B" in only_b
    assert "LX-0001" not in only_b
    assert only_b.startswith("\ufeffType,Serial")
    assert client.get(EXPORT, params={"format": "pdf"}, headers=admin).status_code == 422


def test_the_convention_field_and_a_file_that_mixes_both_ways(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    english = write_csv(tmp_path / "en.csv", [scale_row("H-1", max_g="15,000", e_g="0.5")])
    r = upload(client, world, english, convention="en")
    assert r.status_code == 200, r.text
    assert (r.json()["convention"], r.json()["convention_source"]) == ("en", "option")
    refused = upload(client, world, english, convention="vi")
    assert refused.status_code == 422
    reasons = [e["reason_en"] for e in refused.json()["report"]["errors"]]
    assert reasons[0].startswith("“15,000” could be 15\u00a0000 g")
    assert reasons[1].startswith("“0.5” is written the English way")
    bad = upload(client, world, english, convention="fr")
    assert bad.json()["error"]["details"][0]["loc"] == ["body", "convention"]
    rows = [scale_row("H-2", e_g="0,5"), scale_row("H-3", e_g="0.5")]
    mixed = upload(client, world, write_csv(tmp_path / "mixed.csv", rows))
    assert mixed.status_code == 422
    assert mixed.json()["error"]["message_vi"].startswith("Số được viết lẫn hai kiểu")


@pytest.mark.parametrize(("fmt", "lang"), [("csv", "vi"), ("xlsx", "en")])
def test_export_then_import_with_verification_dates_changes_nothing(
    client: TestClient, world: World, tmp_path: Path, fmt: str, lang: str
) -> None:
    admin = world.auth("admin")
    rows = [
        scale_row("D-1", e_g="0,5", last_verified_on="10/01/2024"),  # overdue since 10/01/2026
        scale_row("D-2", max_g="1,5 kg", e_g="0,1"),
        scale_row("D-3", last_verified_on="", due_date=""),
    ]
    first = upload(client, world, write_csv(tmp_path / "ds.csv", rows))
    assert (first.json()["created"], first.json()["verifications"]) == (3, 2)
    r = client.get(EXPORT, params={"format": fmt, "lang": lang}, headers=admin)
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.content)
    again = upload(client, world, path)
    assert again.status_code == 200, again.text
    report = again.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 3)
    assert report["verifications"] == 0
    assert [(w["row"], w["column"]) for w in report["warnings"]] == [
        (1, report["warnings"][0]["column"])
    ]
    listed = client.get(LIST, params={"serial": "D-1"}, headers=admin).json()["items"][0]
    assert (listed["status"], listed["due_date"]) == ("overdue", "2026-01-10")


def test_bombs_get_a_clear_413_or_422_in_both_languages(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    cell = upload(client, world, xlsx_one_cell(tmp_path / "cell.xlsx", 20_000_000))
    assert cell.status_code == 413, cell.text
    error = cell.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["message"] == "The file is too large to read: a row is larger than 8 MiB."
    assert error["message_vi"] == "Tệp quá lớn, không đọc được: có dòng lớn hơn 8 MiB."
    big = upload(client, world, xlsx_one_cell(tmp_path / "big.xlsx", 600_000_000))
    assert big.status_code == 413
    assert "giải nén ra hơn 512 MiB" in big.json()["error"]["message_vi"]
    lying = upload(client, world, lie_about_sizes(xlsx_one_cell(tmp_path / "l.xlsx", 10**7)))
    assert lying.status_code == 422
    assert lying.json()["error"]["message_vi"].startswith("Tệp không phải danh sách")
    rows = upload(client, world, xlsx_empty_rows(tmp_path / "rows.xlsx", 210_000))
    assert rows.status_code == 413
    assert "hơn 200000 dòng" in rows.json()["error"]["message_vi"]
    listed = client.get(LIST, headers=world.auth("viewer")).json()
    assert listed["total"] == 0


def test_the_report_of_many_bad_rows_is_capped_with_counts_by_reason(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    rows = [scale_row(f"G-{i}") for i in range(3)]
    rows += [scale_row(f"B-{i}", last_verified_on="32/01/2025", e_g="x") for i in range(400)]
    r = upload(client, world, write_csv(tmp_path / "bad.csv", rows))
    assert r.status_code == 422
    report = r.json()["report"]
    assert report["rejected"] == 400
    listed_rows = {e["row"] for e in report["errors"]}
    assert len(listed_rows) == REPORTED_ROWS
    assert min(listed_rows) == 5  # the first rejected rows, after the header and the good ones
    assert report["errors_total"] == 800
    reasons = {(x["column"], x["reason_en"]): x["count"] for x in report["reasons"]}
    assert sum(reasons.values()) == 800
    assert reasons[("Ngày kiểm định", "Invalid date (dd/mm/yyyy or yyyy-mm-dd)")] == 400
    assert all(x["reason_vi"] for x in report["reasons"])
    assert len(r.json()["error"]["details"]) == 2 * REPORTED_ROWS


def test_the_export_names_its_file_both_ways(client: TestClient, world: World) -> None:
    r = client.get(EXPORT, params={"format": "csv", "lang": "vi"}, headers=world.auth("admin"))
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"phuong-tien-do.csv\"; filename*=UTF-8''phuong-tien-do.csv"
    )


def _every_error(
    client: TestClient, world: World, path: Path, *, lang: str = "vi"
) -> httpx.Response:
    with path.open("rb") as handle:
        response: httpx.Response = client.post(
            f"{IMPORT}/errors",
            params={"lang": lang},
            files={"file": (path.name, handle)},
            headers=world.auth("admin"),
        )
    return response


def test_every_error_of_every_row_comes_as_a_csv_and_nothing_is_imported(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    rows = [scale_row(f"EE-{i}", max_g="abc") for i in range(REPORTED_ROWS + 50)]
    rows.append(scale_row("EE-x", max_g='=HYPERLINK("http://x")'))
    rows.append(scale_row("EE-ok"))
    before = client.get(LIST, headers=world.auth("admin")).json()["total"]
    res = _every_error(client, world, write_csv(tmp_path / "bad.csv", rows))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert "loi-nhap.csv" in res.headers["content-disposition"]
    assert res.headers["x-import-rejected"] == str(REPORTED_ROWS + 51)
    assert res.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    lines = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert lines[0] == ["Dòng", "Cột", "Lý do", "Reason", "Giá trị"]
    assert {line[0] for line in lines[1:]} == {str(n) for n in range(2, REPORTED_ROWS + 53)}
    # Every row past the report's cap is there, each with its reason in both languages.
    assert all(line[2] and line[3] for line in lines[1:])
    # A value that a spreadsheet would run is written as text (core.cells).
    assert [v for *_, v in lines[1:] if "HYPERLINK" in v] == ['\'=HYPERLINK("http://x")']
    assert client.get(LIST, headers=world.auth("admin")).json()["total"] == before


def test_a_list_without_errors_is_checked_and_still_not_imported(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    before = client.get(LIST, headers=world.auth("admin")).json()["total"]
    res = _every_error(
        client, world, write_csv(tmp_path / "ok.csv", [scale_row("OK-1")]), lang="en"
    )
    assert res.status_code == 200, res.text
    assert (res.headers["x-import-rows"], res.headers["x-import-rejected"]) == ("1", "0")
    assert res.content.decode("utf-8-sig").splitlines() == ["Row,Column,Lý do,Reason,Value"]
    assert client.get(LIST, headers=world.auth("admin")).json()["total"] == before
