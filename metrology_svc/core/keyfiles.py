"""Key files the service makes for itself: created once, 0600 from the first byte."""

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def random_hex_key() -> str:
    """Return 256 random bits as hex: the default key of an HMAC key file."""
    return secrets.token_hex(32)


def read_or_create(path: Path, new_key: Callable[[], str] = random_hex_key) -> str:
    """Return the stripped text of a key file, writing a fresh key first if the file is absent.

    The file is opened with O_EXCL and mode 0600, so two processes starting at once keep one
    key and no other user can read it even for a moment.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(new_key())
    return path.read_text().strip()
