"""Webhook secrets are stored sealed, still sign deliveries, and are sealed at upgrade.

The database holds `fernet:` + a token, never the secret: a copy of the SQLite file or a dump
does not give an owner's webhook secret away (issue "Security round 2", item 10).
"""

import hashlib
import hmac
import stat
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.core.secret_box import SecretBox, is_sealed
from metrology_svc.notices.models import Channel, DeliveryStatus, NoticePreference
from metrology_svc.notices.secrets import (
    SECRETS_KEY_FILE,
    seal_clear_secrets,
    secret_box,
    webhook_secret_of,
)
from metrology_svc.settings import Settings
from schedules.jobs import dispatch_job
from tests.factories import World
from tests.metrology_svc.notices.conftest import Hook
from tests.metrology_svc.notices.test_delivery import ledger, prefer, recall_for

SECRET = "a-long-shared-secret-0123"
Sessions = Callable[[], Session]


def _stored(db: Session, owner_id: int) -> str:
    db.expire_all()
    pref = db.get(NoticePreference, owner_id)
    assert pref is not None
    return pref.webhook_secret or ""


def test_the_api_stores_the_secret_sealed_under_a_0600_key_file(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    url = f"/api/v1/notices/preferences/{world.owner_vi}"
    body = {"webhook_url": "https://hooks.example.vn/m", "webhook_secret": SECRET}
    assert client.put(url, json=body, headers=world.auth("admin")).status_code == 200
    stored = _stored(db, world.owner_vi)
    assert is_sealed(stored)
    assert SECRET not in stored
    key_file = settings.stamp_key_dir / SECRETS_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    pref = db.get(NoticePreference, world.owner_vi)
    assert webhook_secret_of(pref, settings) == SECRET
    # Saving the channels again without a secret keeps the sealed one.
    body = {"webhook_url": "https://hooks.example.vn/m2"}
    assert client.put(url, json=body, headers=world.auth("admin")).status_code == 200
    assert _stored(db, world.owner_vi) == stored


def test_a_sealed_secret_signs_the_delivery_with_the_clear_secret(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    webhook: Callable[[list[int]], Hook],
) -> None:
    hook = webhook([200])
    prefer(
        db, world.owner_vi, webhook_url=hook.url, webhook_secret=secret_box(settings).seal(SECRET)
    )
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    headers, body = hook.requests[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-metrology-signature"] == expected


def test_a_secret_no_key_opens_fails_its_delivery_with_the_reason(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    webhook: Callable[[list[int]], Hook],
) -> None:
    hook = webhook([200])
    foreign = SecretBox([SecretBox.new_key()]).seal(SECRET)
    prefer(db, world.owner_vi, webhook_url=hook.url, webhook_secret=foreign)
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"failed": 1}
    first, retry = [d for d in ledger(db) if d.channel is Channel.WEBHOOK]
    assert first.status is DeliveryStatus.FAILED
    assert "METROLOGY_SECRETS_KEY" in (first.error or "")
    assert retry.status is DeliveryStatus.PENDING  # retried on its schedule (a key put back)
    assert hook.requests == []  # nothing unsigned or wrongly signed went out


def test_clear_secrets_of_an_earlier_version_are_sealed_once_and_rotated(
    db: Session, world: World, settings: Settings
) -> None:
    prefer(db, world.owner_vi, webhook_url="https://hooks.example.vn/a", webhook_secret=SECRET)
    assert seal_clear_secrets(db, settings) == 1
    db.commit()
    first = _stored(db, world.owner_vi)
    assert is_sealed(first)
    assert SECRET not in first
    assert seal_clear_secrets(db, settings) == 0  # nothing to do the second time
    # Rotation: a new key first, the old one after it; the next upgrade re-seals.
    old_key = (settings.stamp_key_dir / SECRETS_KEY_FILE).read_text().strip()
    new_key = SecretBox.new_key()
    rotated = settings.model_copy(update={"secrets_key": f"{new_key},{old_key}"})
    assert seal_clear_secrets(db, rotated) == 1
    db.commit()
    again = _stored(db, world.owner_vi)
    assert SecretBox([new_key]).open(again) == SECRET
    only_new = settings.model_copy(update={"secrets_key": new_key})
    assert webhook_secret_of(db.get(NoticePreference, world.owner_vi), only_new) == SECRET
