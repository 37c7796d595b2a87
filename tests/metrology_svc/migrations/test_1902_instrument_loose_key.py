"""1902: every stored instrument gets the loose key the code computes, near-duplicates kept.

A database at 1901 with three scales, two of them one instrument written two ways ("Nhơn Hòa /
SN-0012 34" and "NHON HOA / sn001234"): after the upgrade each holds
instruments.identity.loose_identity of its type, maker and serial (the two alike share it), the
column is indexed and not unique; the downgrade drops it; on SQLite and PostgreSQL.
"""

import sqlalchemy as sa
from sqlalchemy import Engine

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.identity import loose_identity

SCALES = [  # type, maker, serial
    ("scale_spring_dial", "Nhơn Hòa", "SN-0012 34"),
    ("scale_spring_dial", "NHON HOA", "sn001234"),
    ("scale_counter", "Cân Đông Á", "ĐA/77-1"),
]


def _arrange(engine: Engine) -> None:
    with new_session(engine) as session:
        sync_types(session)
        session.commit()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO admin_unit (id, name, code, level, path) VALUES "
                "(1, 'Tỉnh Hà Tĩnh', '42', 'province', '42/')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO owner (id, kind, name, language, address, created_at) VALUES "
                "(1, 'household', 'Nguyễn Thị Hoa', 'vi', '', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO site (id, kind, name, unit_id, address, created_at) "
                "VALUES (1, 'market', 'Chợ Kỳ Anh', 1, '', '2026-01-01 00:00:00')"
            )
        )
        insert = sa.text(
            "INSERT INTO instrument (id, identity_key, type_code, serial, manufacturer, "
            "owner_id, site_id, role, status, created_at, updated_at) VALUES (:i, :k, :t, :s, "
            ":m, 1, 1, 'trade', 'registered', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        for n, (kind, maker, serial) in enumerate(SCALES, start=1):
            key = f"{kind}|{maker}|{serial}".casefold()
            conn.execute(insert, {"i": n, "k": key, "t": kind, "s": serial, "m": maker})


def test_stored_instruments_get_the_key_the_code_computes(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="1901")
    _arrange(fresh_engine)
    migrate.upgrade(fresh_engine, revision="1902")
    with fresh_engine.connect() as conn:
        keys: list[str] = list(
            conn.execute(sa.text("SELECT loose_key FROM instrument ORDER BY id")).scalars()
        )
        assert keys == [loose_identity(*scale) for scale in SCALES]
    assert loose_identity(*SCALES[0]) == loose_identity(*SCALES[1])
    inspector = sa.inspect(fresh_engine)
    column = next(c for c in inspector.get_columns("instrument") if c["name"] == "loose_key")
    assert column["nullable"] is False
    (index,) = [
        i for i in inspector.get_indexes("instrument") if i["name"] == "ix_instrument_loose_key"
    ]
    assert (index["column_names"], bool(index["unique"])) == (["loose_key"], False)

    migrate.downgrade(fresh_engine, revision="1901")
    names = {c["name"] for c in sa.inspect(fresh_engine).get_columns("instrument")}
    assert "loose_key" not in names
    migrate.upgrade(fresh_engine, revision="1902")
    with fresh_engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(DISTINCT loose_key) FROM instrument")).scalar()
    assert count == 2
