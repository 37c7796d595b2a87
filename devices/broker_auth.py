"""Mosquitto password and ACL files: each device may publish only under its own topics.

Passwords are hashed in mosquitto_passwd's `$7$` format (PBKDF2-SHA512, 101 iterations, 12-byte
salt), so the hash kept in the database is the very line the broker's password file needs.
"""

import base64
import hashlib
import hmac
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devices.protocol import TOPIC_ROOT

PASSWORD_FILE = "passwd"
ACL_FILE = "acl"
_ITERATIONS = 101  # mosquitto_passwd's own default


@dataclass(frozen=True, slots=True)
class BrokerUser:
    """One broker account: a device (publishes its own topics) or the ingest (reads all)."""

    username: str
    credential_hash: str
    is_service: bool = False


def pbkdf2_hash(password: str, *, salt: bytes | None = None) -> str:
    """Hash a password in mosquitto's `$7$` format without the mosquitto_passwd tool."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS, 64)
    return f"$7${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, credential_hash: str) -> bool:
    """Tell whether a password matches a `$7$` hash."""
    parts = credential_hash.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    salt, digest = base64.b64decode(parts[3]), base64.b64decode(parts[4])
    mine = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), len(digest))
    return hmac.compare_digest(mine, digest)


def mosquitto_passwd_hash(username: str, password: str) -> str | None:
    """Hash with the mosquitto_passwd tool when it is installed; None when it is not."""
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pw"
        done = subprocess.run(  # noqa: S603 (fixed tool, arguments never reach a shell)
            [tool, "-c", "-b", str(path), username, password],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0 or not path.exists():
            return None
        line = path.read_text(encoding="utf-8").strip()
    name, _, hashed = line.partition(":")
    return hashed if name == username and hashed.startswith("$") else None


def hash_password(username: str, password: str) -> str:
    """Hash a broker password: mosquitto_passwd if present, else PBKDF2-SHA512 `$7$`."""
    return mosquitto_passwd_hash(username, password) or pbkdf2_hash(password)


def password_file(users: Iterable[BrokerUser]) -> str:
    """Return the text of a mosquitto password file."""
    return "".join(f"{u.username}:{u.credential_hash}\n" for u in users)


def acl_file(users: Iterable[BrokerUser]) -> str:
    """Return the text of a mosquitto ACL file (devices write only their own topics)."""
    blocks = []
    for user in users:
        if user.is_service:
            rule = f"topic read {TOPIC_ROOT}/#"
        else:
            rule = f"topic write {TOPIC_ROOT}/{user.username}/#"
        blocks.append(f"user {user.username}\n{rule}\n")
    return "# Written by metrology-svc devices write-broker-auth; do not edit.\n\n" + "\n".join(
        blocks
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def write_files(directory: Path, users: list[BrokerUser]) -> tuple[Path, Path]:
    """Write the password and ACL files into a directory; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    pw, acl = directory / PASSWORD_FILE, directory / ACL_FILE
    _write_atomic(pw, password_file(users))
    _write_atomic(acl, acl_file(users))
    return pw, acl
