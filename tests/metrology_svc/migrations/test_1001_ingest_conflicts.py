"""1001: digests for conflicts, dead letters keyed by message, trust moved to the control scale.

A database at 0901 where one of two devices on a control scale failed a self-check (the other's
later checks were stored trusted and counted against sellers), a second scale whose failure a
verification has since ended, and dead letters stored twice by a redelivery: after the upgrade
both devices of the first scale are untrusted from the failure, the other's checks since then
are untrusted and no longer count, the second scale is trusted, and the duplicate dead letters
stay. The downgrade drops the new columns; on SQLite and PostgreSQL.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel.sql.sqltypes import UTCDateTime

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.models import Instrument, InstrumentRole
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.sites.models import Site, SiteKind
from tests.devices.ingest.support import T0
from tests.metrology_svc.migrations.old_rows import add_instrument, add_owner

FAILED = T0 + timedelta(days=3)  # device cs-a's failed self-check


def _insert(session: Session, name: str, *rows: dict[str, Any]) -> None:
    """Insert rows as the old schema has them (no models: they describe the new one)."""
    columns = [
        sa.column(k, UTCDateTime() if isinstance(v, datetime) else None) for k, v in rows[0].items()
    ]
    session.execute(sa.insert(sa.table(name, *columns)), list(rows))


def _scale(session: Session, owner: int, site: int, serial: str) -> int:
    scale = Instrument(
        loose_key="",  # 1902 adds the column: add_instrument leaves it out
        identity_key=f"control|{serial}", type_code="scale_counter", manufacturer="Vibra",
        model="M", serial=serial, owner_id=owner, site_id=site, role=InstrumentRole.CONTROL,
    )  # fmt: skip
    add_instrument(session, scale)
    assert scale.id is not None
    return scale.id


def _device(id_: str, scale: int, site: int, since: datetime | None, retired: bool = False) -> Any:
    return {
        "id": id_, "instrument_id": scale, "site_id": site, "credential_hash": "x",
        "created_at": T0, "offline": False, "untrusted_since": since,
        "retired_at": T0 if retired else None,
    }  # fmt: skip


def _check(device: str, seq: int, site: int, at: datetime, stall: str, trusted: bool) -> Any:
    return {
        "device_id": device, "boot": "b1", "seq": seq, "site_id": site, "measured_at": at,
        "received_at": at, "net_g": 965.0, "stable": True, "trusted": trusted,
        "seller_ref_kind": "stall", "seller_ref": stall, "declared_g": 1000.0,
        "permitted_shortfall_g": 15.0, "missing_g": 20.0, "short": True,
    }  # fmt: skip


def _seller(site: int, ref: str, checks: int, shortfalls: int, last: datetime) -> Any:
    return {
        "site_id": site, "ref_kind": "stall", "ref": ref, "checks": checks,
        "shortfalls": shortfalls, "total_missing_g": 20.0 * shortfalls, "last_check_at": last,
        "last_short_at": last, "suspect_since": T0,
    }  # fmt: skip


def _arrange(session: Session) -> None:
    session.execute(
        sa.text(
            "INSERT INTO admin_unit (id, name, code, level, path) VALUES "
            "(1, 'Tỉnh Hà Tĩnh', '42', 'province', '42/'), "
            "(2, 'Phường Sông Trí', '18754', 'commune', '42/18754/')"
        )
    )
    owner = add_owner(
        session, kind=OwnerKind.HOUSEHOLD, name="Nguyễn Thị Hoa", language=Language.VI
    )
    site = Site(kind=SiteKind.MARKET, name="Chợ Kỳ Anh", unit_id=2)
    session.add(site)
    session.flush()
    assert owner.id is not None
    assert site.id is not None
    s = site.id
    first, second = _scale(session, owner.id, s, "CDC-01"), _scale(session, owner.id, s, "CDC-02")
    _insert(
        session,
        "device",
        _device("cs-a", first, s, FAILED),
        _device("cs-b", first, s, None),
        _device("cs-old", first, s, T0, retired=True),  # retired: not the scale's any more
        _device("cs-c", second, s, FAILED),
    )
    _insert(
        session,
        "verification",
        {
            "instrument_id": second, "kind": "after_repair", "verified_on": FAILED.date(),
            "verifier": "KĐV", "procedure": "ĐLVN 15:2009", "result": "pass", "notes": "",
            "created_at": FAILED + timedelta(days=1),
        },
    )  # fmt: skip
    _insert(
        session,
        "reading",
        _check("cs-b", 1, s, FAILED - timedelta(hours=1), "A-12", trusted=True),
        _check("cs-b", 2, s, FAILED + timedelta(hours=1), "A-12", trusted=True),
        _check("cs-b", 3, s, FAILED + timedelta(hours=2), "B-07", trusted=True),
        _check("cs-a", 4, s, FAILED + timedelta(hours=3), "B-07", trusted=False),
        _check("cs-c", 5, s, FAILED + timedelta(hours=4), "C-01", trusted=True),
    )
    _insert(
        session,
        "seller",
        _seller(s, "A-12", 2, 2, FAILED + timedelta(hours=1)),
        _seller(s, "B-07", 1, 1, FAILED + timedelta(hours=2)),
        _seller(s, "C-01", 1, 1, FAILED + timedelta(hours=4)),
    )
    garbage = {"received_at": T0, "topic": "metrology/v1/cs-a/readings", "reason": "json: x"}
    garbage |= {"payload": b"{", "payload_size": 1}
    _insert(session, "dead_letter", garbage, garbage)  # a redelivery, before keys


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)))


def test_trust_moves_to_the_scale_and_conflict_keys_are_added(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="0901")
    with new_session(fresh_engine) as session:
        sync_types(session)
        _arrange(session)
        session.commit()
    migrate.upgrade(fresh_engine)
    assert migrate.current_revisions(fresh_engine) == migrate.head_revisions()

    device = sa.table("device", sa.column("id"), sa.column("untrusted_since", UTCDateTime()))
    with fresh_engine.connect() as conn:
        rows = conn.execute(sa.select(device.c.id, device.c.untrusted_since)).all()
        trust: dict[str, datetime | None] = {row[0]: row[1] for row in rows}
    assert trust == {"cs-a": FAILED, "cs-b": FAILED, "cs-old": T0, "cs-c": None}
    trusted = dict(_rows(fresh_engine, "SELECT seq, trusted FROM reading"))
    assert {seq: bool(t) for seq, t in trusted.items()} == {
        1: True, 2: False, 3: False, 4: False, 5: True
    }  # fmt: skip
    sellers = {
        ref: (checks, shortfalls, missing, last is None, suspect is None)
        for ref, checks, shortfalls, missing, last, suspect in _rows(
            fresh_engine,
            "SELECT ref, checks, shortfalls, total_missing_g, last_short_at, suspect_since "
            "FROM seller",
        )
    }
    assert sellers == {
        "A-12": (1, 1, 20.0, False, False),  # keeps the check before the failure
        "B-07": (0, 0, 0.0, True, True),  # nothing left against it
        "C-01": (1, 1, 20.0, False, False),  # its scale's failure was ended by a verification
    }
    letters = _rows(fresh_engine, "SELECT message_sha256 FROM dead_letter")
    assert letters == [(None,), (None,)]
    assert _rows(fresh_engine, "SELECT payload_sha256 FROM reading WHERE seq = 1") == [(None,)]

    with fresh_engine.begin() as conn:  # the new key is unique
        keyed = {"received_at": T0, "topic": "t", "reason": "json", "payload": b"{"}
        keyed |= {"payload_size": 1, "message_sha256": b"k" * 32}
        _insert_on(conn, keyed)
    with pytest.raises(IntegrityError), fresh_engine.begin() as conn:
        _insert_on(conn, keyed)

    migrate.downgrade(fresh_engine, revision="0901")
    inspector = sa.inspect(fresh_engine)
    for table, column in [
        ("reading", "payload_sha256"),
        ("selfcheck", "payload_sha256"),
        ("dead_letter", "message_sha256"),
    ]:
        assert column not in {c["name"] for c in inspector.get_columns(table)}
    assert len(_rows(fresh_engine, "SELECT id FROM dead_letter")) == 3
    migrate.upgrade(fresh_engine)
    assert migrate.current_revisions(fresh_engine) == migrate.head_revisions()


def _insert_on(conn: sa.Connection, row: dict[str, Any]) -> None:
    columns = [sa.column(k, UTCDateTime() if k == "received_at" else None) for k in row]
    conn.execute(sa.insert(sa.table("dead_letter", *columns)), [row])
