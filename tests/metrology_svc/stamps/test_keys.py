"""Signing keys: created 0600 on first use, rotation keeps old stamps verifiable, given by path."""

import base64
import stat
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient

from metrology_svc.stamps import rules
from metrology_svc.stamps.keys import KeyRing, code_for, key_path, rotate
from tests.factories import World
from tests.metrology_svc.stamps.support import API, check, freeze, issued

FIELDS = rules.TokenFields(1, 42, 7, date(2028, 1, 1))


def test_first_use_creates_a_private_key_file(tmp_path: Path) -> None:
    ring = KeyRing(directory=tmp_path / "keys")
    assert not (tmp_path / "keys").exists()  # nothing happens before first use
    code = code_for(ring, FIELDS)
    path = key_path(tmp_path / "keys", 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = KeyRing(directory=tmp_path / "keys")
    fields, payload, signature = rules.decode_code(code)
    assert again.verify(fields.key_id, payload, signature)
    assert code_for(again, FIELDS) == code  # Ed25519 is deterministic


def test_rotation_signs_with_the_new_key_and_verifies_the_old(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    old = code_for(KeyRing(directory=directory), FIELDS)
    assert rotate(directory) == 2
    ring = KeyRing(directory=directory)
    assert ring.active() == 2
    new = code_for(ring, rules.TokenFields(2, 43, 7, date(2028, 1, 1)))
    for code in (old, new):
        fields, payload, signature = rules.decode_code(code)
        assert ring.verify(fields.key_id, payload, signature)
    assert [(k.key_id, k.active) for k in ring.public_keys()] == [(1, False), (2, True)]
    assert not ring.verify(3, *rules.decode_code(new)[1:])


def test_key_given_by_path_signs(tmp_path: Path) -> None:
    given = tmp_path / "hsm-export.pem"
    key = Ed25519PrivateKey.generate()
    given.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ring = KeyRing(directory=tmp_path / "keys", given=given, given_id=7)
    assert ring.active() == 7
    assert not (tmp_path / "keys").exists()  # nothing generated beside a given key
    payload = rules.pack_fields(rules.TokenFields(7, 1, 1, date(2027, 1, 1)))
    key.public_key().verify(ring.sign(payload), rules.signed_message(payload))


def test_published_keys_verify_a_code_offline(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]
    published = client.get(f"{API}/stamps/keys").json()  # no login
    assert "Ed25519" in published["token_format"]
    [key] = published["keys"]
    assert (key["key_id"], key["algorithm"], key["active"]) == (1, "Ed25519", True)
    # What an offline app does, from the published description alone:
    raw = base64.b32decode(code)
    context = base64.b64decode(published["signing_context_b64"])
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key_b64"]))
    public.verify(raw[11:], context + raw[:11])
    assert raw[0] == key["key_id"]


def test_rotated_key_reaches_a_running_app(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    old = issued(client, world, serial="A-1")
    runtime = client.app.state.stamps  # type: ignore[attr-defined]
    rotate(runtime.settings.stamp_key_dir)
    runtime.ring.load()  # what a restart (or a code naming an unseen key) does
    new = issued(client, world, serial="B-1")
    assert (old["key_id"], new["key_id"]) == (1, 2)
    assert check(client, old["code"])["state"] == check(client, new["code"])["state"] == "valid"
