"""Ed25519 signing keys for stamps: files of mode 0600, one per key id, newest signs.

Keys live in `settings.stamp_key_dir` as `stamp-ed25519-NNN.pem` (PKCS#8); the first use creates
key 1. `metrology-svc keys rotate` adds the next id; older keys stay to verify older stamps.
A key may also be given by path (`stamp_signing_key`, id `stamp_signing_key_id`): it then signs.
"""

import base64
import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from metrology_svc.settings import Settings
from metrology_svc.stamps import rules

_NAME = re.compile(r"^stamp-ed25519-(\d{3})\.pem$")
MAX_KEY_ID = 255
# A code naming a key this process has not loaded may come from a key rotated by another
# process; re-read the directory for it, but not more often than this.
RELOAD_AFTER_S = 30.0


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A verifying key as published for offline apps."""

    key_id: int
    public_key: bytes  # raw 32 bytes
    created_at: datetime
    active: bool


def key_path(directory: Path, key_id: int) -> Path:
    """Return the file of a key id in the key directory."""
    return directory / f"stamp-ed25519-{key_id:03d}.pem"


def _write_new_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once never overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _created(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def rotate(directory: Path) -> int:
    """Create the next key in the directory and return its id (it signs from now on)."""
    ids = [int(m.group(1)) for p in _list(directory) if (m := _NAME.match(p.name))]
    key_id = max(ids, default=0) + 1
    if key_id > MAX_KEY_ID:
        raise ValueError(f"no key id left (the token holds one byte, at most {MAX_KEY_ID})")
    _write_new_key(key_path(directory, key_id))
    return key_id


def _list(directory: Path) -> list[Path]:
    return sorted(directory.glob("stamp-ed25519-*.pem")) if directory.is_dir() else []


class KeyRing:
    """The keys of one process: the newest signs, every one verifies."""

    def __init__(self, *, directory: Path, given: Path | None = None, given_id: int = 1) -> None:
        self.directory, self.given, self.given_id = directory, given, given_id
        self._lock = threading.Lock()
        self._private: dict[int, Ed25519PrivateKey] = {}
        self._public: dict[int, Ed25519PublicKey] = {}
        self._created: dict[int, datetime] = {}
        self.active_id = 0
        self._loaded_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeyRing":
        """Build the ring the settings describe (nothing is read until first use)."""
        return cls(
            directory=settings.stamp_key_dir,
            given=settings.stamp_signing_key,
            given_id=settings.stamp_signing_key_id,
        )

    def load(self) -> None:
        """Read every key; create key 1 when there is none and no key was given by path."""
        with self._lock:
            files = {
                int(m.group(1)): p for p in _list(self.directory) if (m := _NAME.match(p.name))
            }
            if not files and self.given is None:
                # Another process may have created it first: then read theirs.
                with contextlib.suppress(FileExistsError):
                    _write_new_key(key_path(self.directory, 1))
                files = {1: key_path(self.directory, 1)}
            private = {kid: _read_key(path) for kid, path in files.items()}
            created = {kid: _created(path) for kid, path in files.items()}
            if self.given is not None:
                private[self.given_id] = _read_key(self.given)
                created[self.given_id] = _created(self.given)
            self._private, self._created = private, created
            self._public = {kid: key.public_key() for kid, key in private.items()}
            self.active_id = self.given_id if self.given is not None else max(private)
            self._loaded_at = time.monotonic()

    def _ensure(self) -> None:
        if not self.active_id:
            self.load()

    def sign(self, payload: bytes) -> bytes:
        """Return the signature of a payload by the key its first byte names."""
        self._ensure()
        key = self._private.get(payload[0])
        if key is None:
            raise KeyError(f"no private key {payload[0]}")
        return key.sign(rules.signed_message(payload))

    def _public_key(self, key_id: int) -> Ed25519PublicKey | None:
        self._ensure()
        key = self._public.get(key_id)
        if key is None and time.monotonic() - self._loaded_at > RELOAD_AFTER_S:
            self.load()  # another process may have rotated the keys
            key = self._public.get(key_id)
        return key

    def knows(self, key_id: int) -> bool:
        """Tell whether the ring holds this key (a key taken out of it makes its codes forged)."""
        return self._public_key(key_id) is not None

    def verify(self, key_id: int, payload: bytes, signature: bytes) -> bool:
        """Tell whether the signature is genuine; an unknown key id makes it not genuine."""
        key = self._public_key(key_id)
        if key is None:
            return False
        try:
            key.verify(signature, rules.signed_message(payload))
        except InvalidSignature:
            return False
        return True

    def active(self) -> int:
        """Return the id of the key that signs new stamps."""
        self._ensure()
        return self.active_id

    def public_keys(self) -> list[PublicKeyInfo]:
        """Return every verifying key, oldest first."""
        self._ensure()
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        return [
            PublicKeyInfo(kid, key.public_bytes(*raw), self._created[kid], kid == self.active_id)
            for kid, key in sorted(self._public.items())
        ]


def code_for(ring: KeyRing, fields: rules.TokenFields) -> str:
    """Return the signed code for the fields."""
    payload = rules.pack_fields(fields)
    return rules.encode_code(payload, ring.sign(payload))


def public_key_b64(info: PublicKeyInfo) -> str:
    """Return a public key as standard Base64 of its raw 32 bytes."""
    return base64.b64encode(info.public_key).decode("ascii")


_RINGS: dict[tuple[Path, Path | None, int], KeyRing] = {}
_RINGS_LOCK = threading.Lock()


def keyring_for(settings: Settings) -> KeyRing:
    """Return the process's key ring for these settings (one per key location, built once)."""
    where = (
        settings.stamp_key_dir.resolve(),
        settings.stamp_signing_key,
        settings.stamp_signing_key_id,
    )
    with _RINGS_LOCK:
        ring = _RINGS.get(where)
        if ring is None:
            ring = _RINGS[where] = KeyRing.from_settings(settings)
        return ring
