"""The public check recognises the codes we issued by their stored signature."""

import base64
import dataclasses
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.settings import Settings
from metrology_svc.stamps import rules
from metrology_svc.stamps.keys import KeyRing, code_for, key_path, keyring_for, rotate
from metrology_svc.stamps.models import Stamp
from tests.factories import World
from tests.metrology_svc.stamps.support import check, freeze, issued


def _no_verification(self: KeyRing, key_id: int, payload: bytes, signature: bytes) -> bool:
    raise AssertionError("the stored signature should have answered")


def test_an_issued_stamp_keeps_the_signature_of_its_code(
    client: TestClient, world: World, db: Session
) -> None:
    stamp = issued(client, world)
    row = db.get(Stamp, stamp["id"])
    assert row is not None
    assert row.signature is not None
    assert bytes(row.signature) == base64.b32decode(stamp["code"])[rules.PAYLOAD_LEN :]


def test_an_issued_code_is_valid_without_verifying_its_signature_again(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    monkeypatch.setattr(KeyRing, "verify", _no_verification)
    assert check(client, stamp["code"])["state"] == "valid"
    assert client.get(f"/v/{stamp['code'].lower()}").status_code == 200


def test_a_stamp_issued_before_signatures_were_kept_is_verified_with_the_key(
    client: TestClient, world: World, db: Session
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    row = db.get(Stamp, stamp["id"])
    assert row is not None
    row.signature = None
    db.commit()
    assert check(client, stamp["code"])["state"] == "valid"
    wrong = rules.encode_code(base64.b32decode(stamp["code"])[: rules.PAYLOAD_LEN], bytes(64))
    assert check(client, wrong)["state"] == "forged"


def test_the_stored_signature_on_other_fields_is_forged(
    client: TestClient, world: World, settings: Settings
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    signature = base64.b32decode(stamp["code"])[rules.PAYLOAD_LEN :]
    genuine = rules.TokenFields(1, stamp["id"], stamp["instrument_id"], date(2028, 11, 2))
    assert code_for(keyring_for(settings), genuine) == stamp["code"]
    for altered in (
        dataclasses.replace(genuine, valid_until=date(2030, 11, 2)),
        dataclasses.replace(genuine, instrument_id=stamp["instrument_id"] + 1),
        dataclasses.replace(genuine, key_id=2),
    ):
        code = rules.encode_code(rules.pack_fields(altered), signature)
        assert check(client, code)["state"] == "forged", altered


def test_a_key_taken_out_of_the_ring_makes_its_codes_forged(
    client: TestClient, world: World, settings: Settings
) -> None:
    freeze(client, date(2026, 11, 22))
    first = issued(client, world, serial="LX-0001")
    ring = keyring_for(settings)
    rotate(settings.stamp_key_dir)
    ring.load()
    second = issued(client, world, serial="LX-0002")
    assert (check(client, first["code"])["state"], check(client, second["code"])["state"]) == (
        "valid",
        "valid",
    )
    key_path(settings.stamp_key_dir, 1).unlink()  # key 1 withdrawn (say, compromised)
    ring.load()
    assert check(client, first["code"])["state"] == "forged"
    assert check(client, second["code"])["state"] == "valid"


def test_a_stamp_id_past_the_database_integer_is_unknown_or_forged(
    client: TestClient, world: World, settings: Settings
) -> None:
    freeze(client, date(2026, 11, 22))
    issued(client, world)
    far = rules.TokenFields(1, 2**32 - 1, 1, date(2028, 1, 1))
    signed = code_for(keyring_for(settings), far)
    assert check(client, signed)["state"] == "unknown"
    unsigned = rules.encode_code(rules.pack_fields(far), bytes(64))
    assert check(client, unsigned)["state"] == "forged"
