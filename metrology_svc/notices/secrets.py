"""Owners' webhook secrets: sealed with the service's key, opened to sign a delivery.

Kept apart from notices.service (letters, templates, channels) so that the start-up step that
seals clear secrets loads only what it needs.
"""

from functools import lru_cache

from sqlmodel import Session

from metrology_svc.core.keyfiles import read_or_create
from metrology_svc.core.secret_box import SecretBox
from metrology_svc.notices.models import NoticePreference
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings

SECRETS_KEY_FILE = "secrets.key"


def secret_box(settings: Settings) -> SecretBox:
    """Return the box that seals webhook secrets (METROLOGY_SECRETS_KEY, else a key file)."""
    keys = [key.strip() for key in settings.secrets_key.split(",") if key.strip()]
    if not keys:
        keys = [read_or_create(settings.stamp_key_dir / SECRETS_KEY_FILE, SecretBox.new_key)]
    return _box(tuple(keys))


@lru_cache(maxsize=8)
def _box(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(list(keys))


def webhook_secret_of(pref: NoticePreference | None, settings: Settings) -> str:
    """Return an owner's webhook secret in clear, to sign a delivery ("" if none)."""
    if pref is None or not pref.webhook_secret:
        return ""
    return secret_box(settings).open(pref.webhook_secret)


def seal_clear_secrets(session: Session, settings: Settings) -> int:
    """Seal webhook secrets an earlier version stored in clear, or under an older key.

    Run at every start and by `db upgrade`; returns how many it (re)sealed. The caller commits.
    """
    repo = NoticeRepository(session)
    prefs = repo.preferences_with_secret()
    if not prefs:
        return 0  # no key file is made for a database without webhook secrets
    box, sealed = secret_box(settings), 0
    for pref in prefs:
        stored = pref.webhook_secret or ""
        if box.needs_reseal(stored):
            pref.webhook_secret = box.seal(box.open(stored))
            repo.add(pref)
            sealed += 1
    return sealed
