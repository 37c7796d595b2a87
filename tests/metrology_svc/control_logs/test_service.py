"""A paper log line is judged by the ingest's own code, like a networked check, marked manual."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from devices.registry import add_device, broker_users
from devices.store import store_batch
from metrology_svc.control_logs import service
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.core.errors import Forbidden, Invalid
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import (
    DEVICE_PAPER_LOG,
    Device,
    InspectionRequest,
    Reading,
    Seller,
)
from metrology_svc.readings.repository import ReadingRepository, devices_within
from metrology_svc.settings import Settings
from tests.devices.ingest.support import T0
from tests.devices.test_store import _check, _msg, _selfcheck
from tests.factories import ADMIN
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.control_logs.support import Boards, line
from tests.metrology_svc.readings.support import load_binding

SETTINGS = Settings(dead_letter_max_bytes=64)
JUDGED = ("permitted_shortfall_g", "missing_g", "short", "shortfall_rule_id", "trusted")


def _readings(db: Session, source: str) -> list[Reading]:
    stmt = select(Reading).where(Reading.source == source).order_by(col(Reading.measured_at))
    return list(db.exec(stmt))


@pytest.mark.parametrize("binding", [True, False], ids=["binding", "reference"])
def test_a_manual_line_is_judged_like_the_same_check_over_mqtt(
    db: Session, boards: Boards, binding: bool
) -> None:
    if binding:
        load_binding(db)
        db.flush()
    checks = [(1000, 900, 0), (500, 497, 1), (2000, 1700, 2)]  # (declared, measured, day)
    pending = [
        line(boards, declared=str(d), measured=str(m), seller="P-09", at=T0 + timedelta(days=day))
        for d, m, day in checks
    ]
    service.record(
        db, boards.board_a, site_id=boards.market.world.market_a, lines=pending, settings=SETTINGS
    )
    items = [
        _msg(
            boards.market.device_id, "reading", _check(i, declared=d, mass=m, day=day, stall="Q-1")
        )
        for i, (d, m, day) in enumerate(checks, 1)
    ]
    store_batch(db, items, IngestRules.from_database(db, SETTINGS))
    manual, mqtt = _readings(db, "manual"), _readings(db, "mqtt")
    assert len(manual) == len(mqtt) == 3
    for paper, networked in zip(manual, mqtt, strict=True):
        assert {k: getattr(paper, k) for k in JUDGED} == {k: getattr(networked, k) for k in JUDGED}
        assert paper.device_id == service.log_device_id(boards.market.control_id)
    # 100 g and 300 g missing are beyond any table's allowance; 3 g on 500 g is within it.
    assert [r.short for r in manual] == ([True, False, True] if binding else [False] * 3)
    sellers = {s.ref: s for s in db.exec(select(Seller))}
    assert sellers["P-09"].checks == 3
    assert sellers["P-09"].shortfalls == (2 if binding else 0)


def test_manual_shortfalls_open_an_inspection_request_naming_them(
    db: Session, boards: Boards
) -> None:
    load_binding(db)
    db.flush()
    pending = [line(boards, at=T0 + timedelta(days=day)) for day in (0, 3, 6)]  # A-12, 10 % short
    done = service.record(
        db, boards.board_a, site_id=boards.market.world.market_a, lines=pending, settings=SETTINGS
    )
    assert len(done.entries) == 3
    assert len(done.requests) == 1
    request = db.get(InspectionRequest, done.requests[0])
    assert request is not None
    assert request.instrument_id == boards.market.seller_scale_id  # A-12's own scale
    assert request.evidence_ids == [e.reading_id for e in done.entries]
    assert {r.source for r in db.exec(select(Reading))} == {"manual"}


def test_a_line_sent_again_is_stored_once(db: Session, boards: Boards) -> None:
    site = boards.market.world.market_a
    first = service.record(
        db, boards.board_a, site_id=site, lines=[line(boards)], settings=SETTINGS
    )
    again = service.record(
        db, boards.board_a, site_id=site, lines=[line(boards), line(boards)], settings=SETTINGS
    )
    assert len(first.entries) == 1
    assert again.entries == []
    assert len(again.duplicates) == 2
    assert len(list(db.exec(select(ControlLogEntry)))) == 1
    assert len(_readings(db, "manual")) == 1


def test_a_board_cannot_write_another_markets_log(db: Session, boards: Boards) -> None:
    with pytest.raises(Forbidden):
        service.record(
            db,
            boards.board_b,
            site_id=boards.market.world.market_a,
            lines=[line(boards)],
            settings=SETTINGS,
        )
    with pytest.raises(Forbidden):  # nor an admin or inspector: the log is the board's
        service.record(
            db, ADMIN, site_id=boards.market.world.market_a, lines=[line(boards)], settings=SETTINGS
        )
    assert list(db.exec(select(ControlLogEntry))) == []


def test_lines_on_a_distrusted_scale_are_no_evidence(db: Session, boards: Boards) -> None:
    load_binding(db)
    db.flush()
    # The networked device of the same control scale fails its self-check (2000 g shown 2100).
    store_batch(
        db,
        [_msg(boards.market.device_id, "selfcheck", _selfcheck(1, mass=2100))],
        IngestRules.from_database(db, SETTINGS),
    )
    pending = [line(boards, at=T0 + timedelta(days=1))]
    service.record(
        db, boards.board_a, site_id=boards.market.world.market_a, lines=pending, settings=SETTINGS
    )
    (reading,) = _readings(db, "manual")
    assert reading.trusted is False
    log_device = db.get(Device, service.log_device_id(boards.market.control_id))
    assert log_device is not None
    assert log_device.untrusted_since is not None


def test_the_log_device_is_never_seen_alive(db: Session, boards: Boards) -> None:
    service.record(
        db,
        boards.board_a,
        site_id=boards.market.world.market_a,
        lines=[line(boards)],
        settings=SETTINGS,
    )
    device = db.get(Device, service.log_device_id(boards.market.control_id))
    assert device is not None
    assert device.last_received_at is None
    assert device.offline is False


def test_checked_refuses_bad_lines_field_by_field(db: Session, boards: Boards) -> None:
    site = boards.market.world.market_a
    before = line(boards, at=T0.replace(year=2026, month=5)).line
    with pytest.raises(Invalid) as caught:
        service.checked(db, site_id=site, line=before)
    assert caught.value.details[0]["loc"] == ["body", "measured_at"]
    assert "01/06/2026" in caught.value.message_vi
    other = replace(line(boards).line, scale_id=10**6)
    with pytest.raises(Invalid) as caught:
        service.checked(db, site_id=site, line=other)
    assert caught.value.details[0]["loc"] == ["body", "scale_id"]


def test_a_paper_log_is_no_connected_scale_and_has_no_broker_account(
    db: Session, boards: Boards
) -> None:
    site = boards.market.world.market_a
    service.record(db, boards.board_a, site_id=site, lines=[line(boards)], settings=SETTINGS)
    paper = db.get(Device, service.log_device_id(boards.market.control_id))
    assert paper is not None
    assert paper.kind == DEVICE_PAPER_LOG
    repo = ReadingRepository(db)
    listed = {d.id for d in repo.devices_at([site])} | {d.id for d in devices_within(db, None)}
    assert paper.id not in listed
    assert listed  # the market's connected scale is still there
    users = {u.username for u in broker_users(db, mqtt_url="mqtt://127.0.0.1:1883")}
    assert paper.id not in users
    # The prefix is reserved both ways: no connected device may take it.
    with pytest.raises(Invalid):
        add_device(db, instrument_id=boards.market.control_id, device_id="log-999")


def test_each_stored_line_and_each_board_link_is_audited(db: Session, boards: Boards) -> None:
    site = boards.market.world.market_a
    done = service.record(
        db, boards.board_a, site_id=site, lines=[line(boards), line(boards)], settings=SETTINGS
    )
    [entry] = done.entries  # the second line is the same line: stored once
    [record] = audited(db, "control_log.entry")
    assert (record.entity, record.entity_id) == ("control_log_entry", entry.id)
    assert (record.actor_user_id, record.detail["channel"]) == (boards.board_a.user_id, "form")
    assert (record.detail["declared_g"], record.detail["measured_g"]) == (1000.0, 900.0)
    assert record.detail["reading_id"] == entry.reading_id is not None

    board = boards.board_b.user_id
    service.link_board(db, ADMIN, board_id=board, site_id=site)
    service.link_board(db, ADMIN, board_id=board, site_id=site)  # kept already: no change
    [linked] = audited(db, "control_log.board_link")
    assert (linked.entity, linked.entity_id, linked.detail) == (
        "app_user",
        board,
        {"site_id": site},
    )
    service.unlink_board(db, ADMIN, board_id=board, site_id=site)
    unlinked = last_audited(db, "control_log.board_unlink")
    assert (unlinked.entity_id, unlinked.detail) == (board, {"site_id": site})
