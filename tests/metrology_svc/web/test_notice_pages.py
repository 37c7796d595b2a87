"""The notices ledger: delivery status per notice, resend, the printed letter, roles and scope."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import DeliveryStatus, NoticeDelivery, NoticeKind
from metrology_svc.notices.service import enqueue
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.web.conftest import login

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _notice(client: TestClient, db: Session, world: World, body: dict[str, object]) -> int:
    res = client.post("/api/v1/instruments", json=body, headers=world.auth("admin"))
    iid: int = res.json()["id"]
    enqueue(
        db, kind=NoticeKind.OVERDUE_RECALL, instrument_id=iid, due_date=date(2026, 11, 1), now=NOW
    )
    db.commit()
    return iid


def _deliveries(db: Session, instrument_id: int) -> list[NoticeDelivery]:
    from metrology_svc.notices.models import Notice

    ids = list(db.exec(select(Notice.id).where(Notice.instrument_id == instrument_id)))
    stmt = select(NoticeDelivery).where(col(NoticeDelivery.notice_id).in_(ids))
    return list(db.exec(stmt.order_by(col(NoticeDelivery.id))))


def _given_up(
    client: TestClient, db: Session, world: World, *, error: str | None = None
) -> tuple[int, NoticeDelivery]:
    """Notice a dispenser (its owner has e-mail) whose one e-mail delivery was given up."""
    iid = _notice(client, db, world, dispenser(world))
    (first,) = _deliveries(db, iid)
    first.status, first.error = DeliveryStatus.GIVEN_UP, error
    db.add(first)
    db.commit()
    return iid, first


def test_ledger_shows_each_channels_last_attempt(
    client: TestClient, db: Session, world: World
) -> None:
    _given_up(client, db, world, error="SMTPConnectError: refused")
    login(client, db, "viewer")
    page = client.get("/web/notices")
    assert page.status_code == 200
    row = page.text.split('data-notice="')[1]
    assert "TK-2024-01" in row
    assert "Thư điện tử, lần 1: Đã ngừng thử" in row
    assert "SMTPConnectError" in row
    assert 'class="resend"' not in page.text  # a viewer gets no resend button
    assert "TK-2024-01" in client.get("/web/notices?kind=").text  # the form's "all"
    assert "TK-2024-01" in client.get("/web/notices?kind=overdue_recall").text
    assert "TK-2024-01" not in client.get("/web/notices?kind=due_soon").text
    assert client.get("/web/notices?kind=nonsense").status_code == 422


def test_resend_requeues_a_given_up_delivery_once(
    client: TestClient, db: Session, world: World
) -> None:
    iid, first = _given_up(client, db, world)
    token = login(client, db, "admin")
    page = client.get("/web/notices").text
    assert 'class="resend"' in page
    notice_id = first.notice_id
    res = client.post(
        f"/web/notices/{notice_id}/resend", data={"csrf": token}, follow_redirects=False
    )
    assert res.status_code == 303
    assert "requeued=1" in res.headers["location"]
    again = client.post(
        f"/web/notices/{notice_id}/resend", data={"csrf": token}, follow_redirects=False
    )
    assert "requeued=0" in again.headers["location"]  # the new attempt is pending: nothing more
    attempts = _deliveries(db, iid)
    assert [(d.attempt, d.status) for d in attempts] == [(1, "given_up"), (2, "pending")]
    assert "Thư điện tử, lần 2: Đang chờ" in client.get("/web/notices").text


def test_resend_needs_the_token_and_a_writer_of_the_unit(
    client: TestClient, db: Session, world: World
) -> None:
    iid, first = _given_up(client, db, world)
    url = f"/web/notices/{first.notice_id}/resend"
    for role in ("viewer", "inspector_b"):
        token = login(client, db, role)
        assert client.post(url, data={"csrf": token}).status_code == 403, role
    login(client, db, "inspector_a")
    assert client.post(url, data={}).status_code == 403
    assert len(_deliveries(db, iid)) == 1


def test_letter_prints_and_the_ledger_is_scoped(
    client: TestClient, db: Session, world: World
) -> None:
    mine = _notice(client, db, world, spring_scale(world, serial="LX-A"))
    theirs = _notice(client, db, world, spring_scale(world, serial="LX-B", site_id=world.market_b))
    login(client, db, "inspector_b")
    page = client.get("/web/notices").text
    assert "LX-B" in page
    assert "LX-A" not in page
    ids = {i: _deliveries(db, i)[0].notice_id for i in (mine, theirs)}
    pdf = client.get(f"/web/notices/{ids[theirs]}/letter.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/web/notices/{ids[mine]}/letter.pdf").status_code == 403
    assert db.get(Instrument, mine) is not None
