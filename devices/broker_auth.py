"""Mosquitto password and ACL files: each identity may touch only its own topics.

Passwords are hashed in mosquitto_passwd's `$7$` format (PBKDF2-SHA512, 101 iterations, 12-byte
salt), so the hash kept in the database is the very line the broker's password file needs.

The shipped broker config sets `use_username_as_clientid true`, so an account's username is also
its MQTT client id: holding one device's password gives no way to connect as the ingest (or as
another device) and take over its session. That only holds while no device id equals a service
account's name, so service accounts (the ingest's) must start with a reserved prefix that device
ids may not use, and the files are refused when two accounts share a name.
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
from typing import Final

from devices.protocol import ACK_SUFFIX, KINDS, SUFFIX, TOPIC_ROOT, ack_topic, is_device_id, topic

PASSWORD_FILE = "passwd"
ACL_FILE = "acl"
_ITERATIONS = 101  # mosquitto_passwd's own default
# Names that belong to the service: a device id may not start with one (devices/registry.py),
# and every service account must, so the two can never share a username (= client id).
SERVICE_PREFIXES: Final = ("ingest", "metrology", "service")


@dataclass(frozen=True, slots=True)
class BrokerUser:
    """One broker account: a device (its own topics) or a service (reads them all, sends acks)."""

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


def is_service_name(name: str) -> bool:
    """Tell whether a name is reserved for service accounts (a device may not take it)."""
    return name.startswith(SERVICE_PREFIXES)


class AccountError(ValueError):
    """The accounts cannot be written safely: a clash of names or a malformed service name."""


def check_accounts(users: Iterable[BrokerUser]) -> None:
    """Refuse accounts that would let one identity pass for another; raise AccountError.

    With the client id taken from the username, two accounts with one name would share one
    session (and the ACL would merge their rights); a service name outside the reserved prefixes
    could later be registered as a device id.
    """
    seen: dict[str, BrokerUser] = {}
    for user in users:
        if not is_device_id(user.username):
            raise AccountError(f"broker account name {user.username!r} is not [a-z0-9-]{{3,64}}")
        if user.is_service and not is_service_name(user.username):
            raise AccountError(
                f"service account {user.username!r} must start with one of {SERVICE_PREFIXES}"
            )
        if user.username in seen:
            raise AccountError(f"two broker accounts are named {user.username!r}")
        seen[user.username] = user


def _rules(user: BrokerUser) -> list[str]:
    if user.is_service:  # reads every device's data topics, writes every device's ack topic
        rules = [f"topic read {TOPIC_ROOT}/+/{SUFFIX[kind]}" for kind in KINDS]
        return [*rules, f"topic write {TOPIC_ROOT}/+/{ACK_SUFFIX}"]
    rules = [f"topic write {topic(user.username, kind)}" for kind in KINDS]
    return [*rules, f"topic read {ack_topic(user.username)}"]


def acl_file(users: Iterable[BrokerUser]) -> str:
    """Return the text of a mosquitto ACL file.

    A device writes only metrology/v1/{its id}/readings|selfcheck|status and reads only its own
    ack topic; a service account reads the data topics of all devices and writes their acks.
    Anything not granted is denied (a device's publish elsewhere is acknowledged and dropped).
    """
    blocks = []
    for user in users:
        lines = [f"user {user.username}", *_rules(user)]
        blocks.append("".join(f"{line}\n" for line in lines))
    return "# Written by metrology-svc devices write-broker-auth; do not edit.\n\n" + "\n".join(
        blocks
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def write_files(directory: Path, users: list[BrokerUser]) -> tuple[Path, Path]:
    """Write the password and ACL files into a directory; return their paths.

    Raises AccountError (and writes nothing) when check_accounts refuses the accounts.
    """
    check_accounts(users)
    directory.mkdir(parents=True, exist_ok=True)
    pw, acl = directory / PASSWORD_FILE, directory / ACL_FILE
    _write_atomic(pw, password_file(users))
    _write_atomic(acl, acl_file(users))
    return pw, acl
