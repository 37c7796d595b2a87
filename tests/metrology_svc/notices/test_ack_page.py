"""The acknowledgement page: a GET (a mail scanner's too) changes nothing; its button acts."""

import re
from datetime import date, timedelta
from urllib.parse import urljoin

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.core.clock import utcnow
from metrology_svc.notices.models import Notice
from metrology_svc.notices.rules import LINK_TOKEN_CHARS, ack_token, link_token
from metrology_svc.notices.service import ack_url, link_secret
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)


def make_recall(db: Session, world: World, settings: Settings) -> Notice:
    add_instrument(db, world, serial="R-ACK-1", due_date=DUE)
    run_due_scan(db, now=FakeClock(DUE + timedelta(days=1))(), settings=settings)
    db.commit()
    return db.exec(select(Notice)).one()


def acks(db: Session, notice: Notice) -> list[AuditRecord]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditRecord).where(
                AuditRecord.action == "notice.acknowledge", AuditRecord.entity_id == notice.id
            )
        ).all()
    )


def page_path(settings: Settings, notice: Notice, **kw: object) -> str:
    url = ack_url(settings, notice.id or 0, **kw)  # type: ignore[arg-type]
    return url.removeprefix(settings.public_base_url.rstrip("/"))


def test_the_link_is_short(db: Session, world: World, settings: Settings) -> None:
    notice = make_recall(db, world, settings)
    url = ack_url(settings, notice.id or 0)
    token = url.rsplit("/", 1)[1]
    assert url == f"{settings.public_base_url}/xn/{token}"
    assert len(token) == LINK_TOKEN_CHARS
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)


def test_get_and_head_show_the_page_and_change_nothing(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    path = page_path(settings, notice)
    for _ in range(3):  # a scanner, a preview, the owner
        page = client.get(path)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert notice.number in page.text
        assert "R-ACK-1" in page.text
        assert 'method="post"' in page.text
        main = page.text.split("<main", 1)[1]  # Vietnamese first, English second
        assert main.index("Xác nhận đã nhận") < main.index("Acknowledge")
        assert page.headers["x-frame-options"] == "DENY"
    assert client.head(path).status_code == 405  # not a route: a HEAD cannot act either
    db.refresh(notice)
    assert notice.acknowledged_at is None
    assert acks(db, notice) == []


def test_the_button_acknowledges_once(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    path = page_path(settings, notice)
    done = client.post(path, follow_redirects=False)
    assert done.status_code == 303
    assert (
        urljoin(f"http://testserver{path}", done.headers["location"]) == f"http://testserver{path}"
    )
    db.refresh(notice)
    first = notice.acknowledged_at
    assert first is not None
    shown = client.get(path)
    assert 'id="ack-done"' in shown.text
    assert 'method="post"' not in shown.text
    assert client.post(path).status_code == 200  # again: followed to the page, no new record
    db.refresh(notice)
    assert notice.acknowledged_at == first
    assert len(acks(db, notice)) == 1


def test_expired_forged_and_unknown_links_get_pages_not_json(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    days = settings.notice_ack_link_days
    expired = page_path(settings, notice, now=utcnow() - timedelta(days=days + 1))
    assert client.get(page_path(settings, notice, now=utcnow() - timedelta(days=days))).is_success
    secret = link_secret(settings)
    forged = "/xn/" + link_token(secret=b"another key", notice_id=notice.id or 0, valid_until=DUE)
    unknown = "/xn/" + link_token(secret=secret, notice_id=999_999, valid_until=DUE)
    for path, code in [
        (expired, 410),
        (forged, 400),
        ("/xn/abc", 400),
        ("/xn/" + "A" * LINK_TOKEN_CHARS, 400),
        (unknown, 404),
    ]:
        for method in ("GET", "POST"):
            answer = client.request(method, path)
            assert answer.status_code == code, (method, path, answer.text)
            assert answer.headers["content-type"].startswith("text/html")
            assert 'id="ack-error"' in answer.text
            assert 'method="post"' not in answer.text
    assert "hết hạn" in client.get(expired).text
    assert "expired" in client.get(expired).text
    db.refresh(notice)
    assert notice.acknowledged_at is None
    assert acks(db, notice) == []


def test_links_mailed_before_are_honoured_until_they_age_out(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    old = ack_token(secret=link_secret(settings), notice_id=notice.id or 0)
    # The old API link now only leads to the page.
    opened = client.get("/api/v1/notices/ack", params={"token": old}, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"{settings.public_base_url}/xn/{old}"
    assert notice.number in client.get(f"/xn/{old}").text
    db.refresh(notice)
    assert notice.acknowledged_at is None
    notice.created_at = utcnow() - timedelta(days=settings.notice_ack_link_days + 1)
    db.add(notice)
    db.commit()
    assert client.get(f"/xn/{old}").status_code == 410
    notice.created_at = utcnow()
    db.add(notice)
    db.commit()
    assert client.post(f"/xn/{old}", follow_redirects=False).status_code == 303
    db.refresh(notice)
    assert notice.acknowledged_at is not None


def test_the_api_acknowledges_by_post_only(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    notice = make_recall(db, world, settings)
    token = page_path(settings, notice).rsplit("/", 1)[1]
    looked = client.get("/api/v1/notices/ack", params={"token": token}, follow_redirects=False)
    assert looked.status_code == 303
    db.refresh(notice)
    assert notice.acknowledged_at is None
    first = client.post("/api/v1/notices/ack", params={"token": token})
    assert first.status_code == 200, first.text
    assert first.json()["number"] == notice.number
    again = client.post("/api/v1/notices/ack", params={"token": token})
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert len(acks(db, notice)) == 1
    bad = client.post("/api/v1/notices/ack", params={"token": "abc"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_link")
    assert bad.json()["error"]["message_vi"]
