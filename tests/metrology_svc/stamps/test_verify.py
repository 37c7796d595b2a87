"""The public check: every state, tampering, case, language, no personal data, rate limit."""

import base64
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from metrology_svc.app import create_app
from metrology_svc.settings import Settings
from metrology_svc.stamps import rules
from metrology_svc.stamps.keys import code_for, keyring_for
from metrology_svc.stamps.schemas import CheckResult
from tests.factories import World
from tests.metrology_svc.stamps.support import API, check, freeze, issued, new_scale, verify


def _flip(code: str, at: int) -> str:
    raw = bytearray(base64.b32decode(code))
    raw[at] ^= 0x01
    return base64.b32encode(bytes(raw)).decode()


def test_valid_stamp_shows_what_identifies_the_instrument(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world, serial="LX-0042", seal="KC-778812")
    got = check(client, stamp["code"])
    assert (got["state"], got["title_vi"], got["reason"]) == ("valid", "Tem còn hiệu lực", None)
    assert got["stamp"] == {
        "serial": stamp["serial"],
        "seal_number": "KC-778812",
        "verified_on": "2026-11-02",
        "valid_until": "2028-11-02",
    }
    assert got["instrument"] == {
        "type_vi": got["instrument"]["type_vi"],
        "type_en": got["instrument"]["type_en"],
        "manufacturer": "Nhơn Hòa",
        "model": "NHS-15",
        "serial": "LX-0042",
        "site": "Chợ Kỳ Anh",
        "owner_trade_name": "Sạp thịt Hoa",
    }
    assert "cân" in got["instrument"]["type_vi"].lower()
    assert CheckResult.model_validate(got).state == "valid"  # the documented shape


def test_expiring_and_expired_follow_today(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]  # valid until 2028-11-02
    freeze(client, date(2028, 10, 20))
    assert check(client, code)["state"] == "expiring"
    freeze(client, date(2028, 11, 2))
    assert check(client, code)["state"] == "expiring"
    freeze(client, date(2028, 11, 3))
    assert check(client, code)["state"] == "expired"


def test_revoked_superseded_and_suspended_give_reasons(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    admin = world.auth("admin")
    a = issued(client, world, serial="A-1")
    r = client.post(f"{API}/stamps/{a['id']}/revoke", json={"reason": "broken_seal"}, headers=admin)
    assert r.status_code == 200, r.text
    got = check(client, a["code"])
    assert (got["state"], got["reason"], got["reason_vi"]) == (
        "revoked",
        "broken_seal",
        "Niêm phong (kẹp chì) bị hỏng",
    )
    b = new_scale(client, world, serial="B-1")
    verify(client, world, b, on="2026-01-02")
    old = client.get(f"{API}/stamps", params={"instrument_id": b}, headers=admin).json()[0]
    verify(client, world, b, on="2026-11-02")
    assert (check(client, old["code"])["state"], check(client, old["code"])["reason"]) == (
        "revoked",
        "superseded",
    )
    c = issued(client, world, serial="C-1")
    body = {"action": "suspend", "reason": "complaint"}
    assert (
        client.post(f"{API}/instruments/{c['instrument_id']}/status", json=body, headers=admin)
    ).status_code == 200
    got = check(client, c["code"])
    assert (got["state"], got["reason"]) == ("suspended", "suspended")


def test_tampered_codes_are_forged(client: TestClient, world: World, settings: Settings) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    code = stamp["code"]
    for at in (0, 1, 5, 9, 10, 11, 40, 74):  # key id, stamp id, instrument, date, signature
        assert check(client, _flip(code, at))["state"] == "forged", at
    unknown_key = rules.encode_code(bytes([9]) + base64.b32decode(code)[1:11], bytes(64))
    assert check(client, unknown_key)["state"] == "forged"
    # Signed with a key nobody published: forged, not unknown.
    other = keyring_for(Settings(stamp_key_dir=settings.stamp_key_dir / "elsewhere"))
    fields = rules.TokenFields(1, stamp["id"], stamp["instrument_id"], date(2028, 11, 2))
    assert check(client, code_for(other, fields))["state"] == "forged"


def test_unknown_and_malformed(client: TestClient, world: World, settings: Settings) -> None:
    freeze(client, date(2026, 11, 22))
    issued(client, world)
    never = rules.TokenFields(1, 987654, 1, date(2028, 1, 1))
    got = check(client, code_for(keyring_for(settings), never))
    assert (got["state"], got["stamp"]) == ("unknown", None)
    for garbage in ("", "hello", "A" * 119, "1" * 120, "Ä" * 120, "%00"):
        assert check(client, garbage)["state"] == "malformed", garbage


def test_code_is_case_insensitive_on_page_and_api(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]
    assert check(client, code.lower())["state"] == "valid"
    for path in (f"/v/{code.lower()}", f"/V/{code}", f"/v/{code[:60]} {code[60:]}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'data-state="valid"' in page.text
        assert "Tem còn hiệu lực" in page.text


def test_page_speaks_vietnamese_then_english(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]
    vi = client.get(f"/v/{code}")
    assert vi.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in vi.text
    assert "Hiệu lực đến" in vi.text
    assert "02/11/2028" in vi.text
    assert f'href="/v/{code}?lang=en"' in vi.text
    en = client.get(f"/v/{code}", params={"lang": "en"})
    assert '<html lang="en">' in en.text
    assert "Valid stamp" in en.text
    assert "Valid until" in en.text
    bad = client.get("/v/not-a-code")
    assert bad.status_code == 404
    assert "Mã không hợp lệ" in bad.text


def test_no_personal_data_on_page_or_api(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]
    for text in (client.get(f"/v/{code}").text, str(check(client, code))):
        for private in ("Nguyễn Thị Hoa", "0912345678", "owner_id", "KĐV Trần Văn Nam"):
            assert private not in text


def test_rate_limit_answers_429_in_both_languages(
    engine: Engine, connection: Connection, tmp_path: Path
) -> None:
    settings = Settings(
        stamp_key_dir=tmp_path / "k", stamp_verify_rate_per_s=0.001, stamp_verify_burst=2
    )
    app = create_app(
        settings=settings,
        engine=engine,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
    )
    with TestClient(app) as client:
        statuses = [
            client.get(f"{API}/stamps/verify", params={"code": "x"}).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        r = client.get(f"{API}/stamps/verify", params={"code": "x"})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["message_vi"].startswith("Bạn kiểm tra quá nhiều lần")
        page = client.get("/v/x")
        assert page.status_code == 429
        assert "quá nhiều" in page.text
        assert "Too many" in page.text
