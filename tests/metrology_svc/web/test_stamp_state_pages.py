"""One stamp state: the staff instrument page says what the public verify page says."""

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.stamps.support import (
    API,
    BAD_POINTS,
    freeze,
    new_scale,
    stamps_of,
    verify,
)
from tests.metrology_svc.web.conftest import login


def _public(client: TestClient, code: str) -> tuple[str, str]:
    page = client.get(f"/v/{code}").text
    found = re.search(r'id="state" data-state="(\w+)">\s*<h1>([^<]+)</h1>', page)
    assert found, page[:2000]
    return found.group(1), found.group(2).strip()


def _staff(client: TestClient, iid: int, stamp_id: int) -> tuple[str, str]:
    page = client.get(f"/web/instruments/{iid}").text
    row = page.split(f'data-stamp="{stamp_id}"')[1].split("</tr>")[0]
    found = re.search(r'data-state="(\w+)">([^<]+)</span>', row)
    assert found, row
    return found.group(1), found.group(2).strip()


def _same(client: TestClient, iid: int, stamp: dict[str, object]) -> str:
    staff = _staff(client, iid, int(str(stamp["id"])))
    public = _public(client, str(stamp["code"]))
    assert staff == public, (staff, public)
    return staff[0]


def test_staff_and_public_pages_show_the_same_state(
    client: TestClient, db: Session, world: World
) -> None:
    admin = world.auth("admin")
    freeze(client, date(2026, 11, 22))
    plain = new_scale(client, world, serial="S-VALID")
    verify(client, world, plain)
    stamp = stamps_of(client, world, plain)[0]
    revoked = new_scale(client, world, serial="S-REVOKED")
    verify(client, world, revoked)
    revoked_stamp = stamps_of(client, world, revoked)[0]
    body = {"reason": "broken_seal"}
    res = client.post(f"{API}/stamps/{revoked_stamp['id']}/revoke", json=body, headers=admin)
    assert res.status_code == 200, res.text
    failed = new_scale(client, world, serial="S-FAILED")
    verify(client, world, failed)
    failed_stamp = stamps_of(client, world, failed)[0]
    verify(client, world, failed, on="2026-11-20", points=BAD_POINTS)  # a later check fails
    replaced = new_scale(client, world, serial="S-REPLACED")
    verify(client, world, replaced, on="2026-01-02")
    old_stamp = stamps_of(client, world, replaced)[0]
    verify(client, world, replaced, on="2026-11-02")
    login(client, db, "viewer")

    assert _same(client, plain, stamp) == "valid"
    assert _same(client, revoked, revoked_stamp) == "revoked"
    assert "Niêm phong (kẹp chì) bị hỏng" in client.get(f"/web/instruments/{revoked}").text
    # A stamp of a scale that failed a later verification is not "valid" to anyone.
    assert _same(client, failed, failed_stamp) == "suspended"
    assert _same(client, replaced, old_stamp) == "revoked"
    assert "Đã được thay bằng tem mới" in client.get(f"/web/instruments/{replaced}").text
    freeze(client, date(2028, 10, 20))
    assert _same(client, plain, stamp) == "expiring"
    freeze(client, date(2028, 11, 3))
    assert _same(client, plain, stamp) == "expired"
    assert _same(client, failed, failed_stamp) == "suspended"  # failed outranks expired
