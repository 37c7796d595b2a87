"""Key files the service makes for itself: created once, 0600 from the first byte."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path


def random_hex_key() -> str:
    """Return 256 random bits as hex: the default key of an HMAC key file."""
    return secrets.token_hex(32)


def read_or_create(path: Path, new_key: Callable[[], str] = random_hex_key) -> str:
    """Return the stripped text of a key file, writing a fresh key first if the file is absent.

    The key is written whole to a private temporary file (mode 0600) beside it and linked into
    place: a link is an atomic create that fails if the file exists. So two processes or
    threads starting at once keep one key, none reads a file still being written (an empty key
    once failed a dispatcher starting beside two others), and no other user can read it even
    for a moment.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(new_key())
            # If another one linked its key first, that key is kept.
            with contextlib.suppress(FileExistsError):
                os.link(scratch, path)
        finally:
            os.unlink(scratch)
    return path.read_text().strip()
