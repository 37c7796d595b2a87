"""The notices API: signed acknowledgement links, the ledger, letters and owner channels."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.notices.models import Notice
from metrology_svc.notices.rules import ack_token
from metrology_svc.notices.service import ack_url, link_secret
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)


def make_recall(db: Session, world: World, settings: Settings) -> Notice:
    add_instrument(db, world, serial="R-1", due_date=DUE)
    run_due_scan(db, now=FakeClock(DUE + timedelta(days=1))(), settings=settings)
    db.commit()
    return db.exec(select(Notice)).one()


def test_owner_acknowledges_through_the_signed_link(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    token = ack_url(settings, notice.id or 0).rsplit("/", 1)[1]
    looked = client.get("/api/v1/notices/ack", params={"token": token}, follow_redirects=False)
    assert looked.status_code == 303  # a GET only leads to the page
    db.refresh(notice)
    assert notice.acknowledged_at is None
    first = client.post("/api/v1/notices/ack", params={"token": token})
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/notices/ack", params={"token": token})
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    db.refresh(notice)
    assert notice.acknowledged_at is not None


def test_a_forged_or_unknown_link_is_refused(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    old = ack_token(secret=link_secret(settings), notice_id=notice.id or 0)
    forged = f"{(notice.id or 0) + 1}.{old.split('.')[1]}"
    assert client.post("/api/v1/notices/ack", params={"token": forged}).status_code == 400
    assert client.post("/api/v1/notices/ack", params={"token": "abc"}).status_code == 400
    unknown = ack_url(settings, 999_999).rsplit("/", 1)[1]
    assert client.post("/api/v1/notices/ack", params={"token": unknown}).status_code == 404
    db.refresh(notice)
    assert notice.acknowledged_at is None


def test_notices_follow_jurisdiction_and_show_the_ledger(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    params = {"instrument_id": notice.instrument_id}
    assert (
        client.get("/api/v1/notices", params=params, headers=world.auth("inspector_b")).status_code
        == 403
    )
    listed = client.get("/api/v1/notices", params=params, headers=world.auth("inspector_a"))
    assert [n["number"] for n in listed.json()] == [notice.number]
    detail = client.get(f"/api/v1/notices/{notice.id}", headers=world.auth("viewer")).json()
    assert [(d["channel"], d["status"], d["attempt"]) for d in detail["deliveries"]] == [
        ("letter", "pending", 1)
    ]
    pdf = client.get(f"/api/v1/notices/{notice.id}/letter.pdf", headers=world.auth("admin"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_owner_channels_are_set_and_validated(client: TestClient, world: World) -> None:
    url = f"/api/v1/notices/preferences/{world.owner_vi}"
    body = {
        "email": "hoa@example.vn",
        "webhook_url": "https://hooks.example.vn/metrology",
        "webhook_secret": "a-long-shared-secret",
        "mqtt_topic": "sites/cho-ky-anh/display",
        "letter": True,
    }
    assert client.put(url, json=body, headers=world.auth("viewer")).status_code == 403
    saved = client.put(url, json=body, headers=world.auth("admin"))
    assert saved.status_code == 200, saved.text
    assert saved.json()["has_webhook_secret"] is True
    assert "webhook_secret" not in saved.json()
    bad = client.put(url, json={**body, "mqtt_topic": "sites/#"}, headers=world.auth("admin"))
    assert bad.status_code == 422
    missing_owner = client.put(
        "/api/v1/notices/preferences/999999", json=body, headers=world.auth("admin")
    )
    assert missing_owner.status_code == 404
