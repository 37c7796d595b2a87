"""1702: a notice keeps the recipient it was made for (name, address, site's name).

A database at 1701 with two notices about one scale: a recall made to its first owner, and a
lost-stamp notice made after the scale was handed to a second owner. After the upgrade each
notice holds the name and address of the owner it names (the first owner's, not the scale's
owner now) and the site's name; the downgrade drops the columns; on SQLite and PostgreSQL.
"""

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session
from sqlmodel.sql.sqltypes import UTCDateTime

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.sites.models import Site, SiteKind
from tests.metrology_svc.migrations.old_rows import add_instrument, add_owner

MADE = datetime(2027, 4, 1, 1, tzinfo=UTC)
COLUMNS = {"recipient_name", "recipient_address", "site_name"}


def _notice(id_: int, kind: str, scale: int, owner: int, number: str) -> dict[str, Any]:
    return {
        "id": id_, "kind": kind, "instrument_id": scale, "owner_id": owner, "unit_id": 2,
        "due_date": date(2027, 3, 31), "offset_days": 0, "recipient_role": "owner",
        "language": "vi", "number": number, "created_at": MADE,
    }  # fmt: skip


def _arrange(session: Session) -> dict[str, int]:
    session.execute(
        sa.text(
            "INSERT INTO admin_unit (id, name, code, level, path) VALUES "
            "(1, 'Tỉnh Hà Tĩnh', '42', 'province', '42/'), "
            "(2, 'Phường Sông Trí', '18754', 'commune', '42/18754/')"
        )
    )
    first = add_owner(session, kind=OwnerKind.HOUSEHOLD, name="Nguyễn Thị Hoa", address="Kiot A-17")
    second = add_owner(
        session,
        kind=OwnerKind.COMPANY,
        name="Petrolimex Hà Tĩnh",
        language=Language.EN,
        address="Kho B-42",
    )
    site = Site(kind=SiteKind.MARKET, name="Chợ Kỳ Anh", unit_id=2)
    session.add(site)
    session.flush()
    assert first.id is not None
    assert second.id is not None
    assert site.id is not None
    scale = Instrument(
        loose_key="",  # 1902 adds the column: add_instrument leaves it out
        identity_key="scale_spring_dial|nhon hoa|ck-01", type_code="scale_spring_dial",
        manufacturer="Nhơn Hòa", serial="CK-01", owner_id=second.id, site_id=site.id,
    )  # fmt: skip
    add_instrument(session, scale)
    assert scale.id is not None
    rows = [
        _notice(1, "overdue_recall", scale.id, first.id, "TB-THU-1"),
        _notice(2, "lost_stamp", scale.id, second.id, "TB-TEM-1"),
    ]
    columns = [sa.column(k, UTCDateTime() if k == "created_at" else None) for k in rows[0]]
    session.execute(sa.insert(sa.table("notice", *columns)), rows)
    return {"first": first.id, "second": second.id}


def _snapshots(engine: Engine) -> dict[int, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, owner_id, recipient_name, recipient_address, site_name FROM notice")
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def test_notices_keep_the_owner_they_name_and_the_downgrade_drops_it(
    fresh_engine: Engine,
) -> None:
    migrate.upgrade(fresh_engine, revision="1701")
    with new_session(fresh_engine) as session:
        sync_types(session)
        owners = _arrange(session)
        session.commit()
    migrate.upgrade(fresh_engine)
    assert migrate.current_revisions(fresh_engine) == migrate.head_revisions()
    assert _snapshots(fresh_engine) == {
        1: (owners["first"], "Nguyễn Thị Hoa", "Kiot A-17", "Chợ Kỳ Anh"),
        2: (owners["second"], "Petrolimex Hà Tĩnh", "Kho B-42", "Chợ Kỳ Anh"),
    }
    # A notice stored without the columns (an older writer) gets empty ones, never NULL.
    with fresh_engine.begin() as conn:
        row = _notice(3, "due_soon", 1, owners["first"], "TB-NHAC-1")
        columns = [sa.column(k, UTCDateTime() if k == "created_at" else None) for k in row]
        conn.execute(sa.insert(sa.table("notice", *columns)), [row])
    assert _snapshots(fresh_engine)[3] == (owners["first"], "", "", "")

    migrate.downgrade(fresh_engine, revision="1701")
    names = {c["name"] for c in sa.inspect(fresh_engine).get_columns("notice")}
    assert not COLUMNS & names
    assert set(_snapshots_before(fresh_engine)) == {1, 2, 3}
    migrate.upgrade(fresh_engine)
    assert migrate.current_revisions(fresh_engine) == migrate.head_revisions()
    assert _snapshots(fresh_engine)[1] == (
        owners["first"],
        "Nguyễn Thị Hoa",
        "Kiot A-17",
        "Chợ Kỳ Anh",
    )


def _snapshots_before(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text("SELECT id FROM notice"))]
