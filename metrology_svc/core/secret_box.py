"""Secrets the service must send back out (webhook signing keys), stored encrypted.

A webhook's shared secret cannot be hashed: the service needs it to sign every delivery. It is
kept in the database as a Fernet token (AES-128-CBC + HMAC-SHA256, from `cryptography`) under a
key the database does not hold: `METROLOGY_SECRETS_KEY`, or a key file `secrets.key` made 0600
in the key folder on first use. A copy of the database alone (a backup, a dump, the SQLite
file) therefore does not give the secrets away.

Stored form: `fernet:` followed by the token. A value without the prefix was stored in clear by
an earlier version; `open_secret` still reads it, and `is_sealed` lets the start-up step seal it.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class SecretUnreadable(ValueError):
    """A sealed value that no configured key opens (the key was changed or lost)."""


class SecretBox:
    """Seal and open short secrets with the service's key (the first key seals, all open)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("a SecretBox needs at least one key")
        self._first = Fernet(keys[0].encode())
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    @staticmethod
    def new_key() -> str:
        """Return a fresh key in the form `METROLOGY_SECRETS_KEY` takes."""
        return Fernet.generate_key().decode()

    def seal(self, secret: str) -> str:
        """Return the stored form of a secret."""
        return PREFIX + self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, stored: str | None) -> str:
        """Return the secret of a stored value ("" for none); a clear legacy value as it is."""
        if not stored:
            return ""
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(
                "a stored secret cannot be opened with the configured key "
                "(METROLOGY_SECRETS_KEY or secrets.key changed?)"
            ) from exc

    def needs_reseal(self, stored: str) -> bool:
        """Return whether a stored value is clear or sealed under a key other than the first."""
        if not is_sealed(stored):
            return True
        try:
            self._first.decrypt(stored[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            return True
        return False


def is_sealed(stored: str) -> bool:
    """Return whether a stored value is sealed (not an earlier version's clear text)."""
    return stored.startswith(PREFIX)
