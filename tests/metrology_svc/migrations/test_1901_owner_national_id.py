"""1901: an owner gets a national ID column, unique, empty for the owners already stored.

A database at 1703 with two owners: after the upgrade both are kept with no national ID (two
NULLs are allowed), one ID can be given, a second owner with the same ID is refused by the
database; the downgrade drops the column and keeps the owners; on SQLite and PostgreSQL.
"""

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.owners.models import OwnerKind
from tests.metrology_svc.migrations.old_rows import add_owner


def _owners(engine: Engine) -> dict[int, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, name, tax_code, national_id FROM owner"))
        return {row[0]: tuple(row[1:]) for row in rows}


def test_owners_get_an_empty_unique_national_id_and_the_downgrade_drops_it(
    fresh_engine: Engine,
) -> None:
    migrate.upgrade(fresh_engine, revision="1704")
    with new_session(fresh_engine) as session:
        lan = add_owner(session, kind=OwnerKind.HOUSEHOLD, name="Nguyễn Thị Lan")
        xang = add_owner(session, kind=OwnerKind.COMPANY, name="Xăng dầu Hà Tĩnh")
        assert lan.id is not None
        assert xang.id is not None
        lan_id, xang_id, xang_tax = lan.id, xang.id, "3000111222"
        session.execute(
            sa.text("UPDATE owner SET tax_code = :t WHERE id = :i"), {"t": xang_tax, "i": xang_id}
        )
        session.commit()
    migrate.upgrade(fresh_engine, revision="1901")
    assert _owners(fresh_engine) == {
        lan_id: ("Nguyễn Thị Lan", None, None),
        xang_id: ("Xăng dầu Hà Tĩnh", xang_tax, None),
    }
    column = {c["name"]: c for c in sa.inspect(fresh_engine).get_columns("owner")}["national_id"]
    assert column["nullable"] is True
    assert isinstance(column["type"], sa.String)
    assert column["type"].length == 12
    with fresh_engine.begin() as conn:
        conn.execute(sa.text("UPDATE owner SET national_id = '001234567890' WHERE id = :i"),
                     {"i": lan_id})  # fmt: skip
    with pytest.raises(IntegrityError), fresh_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO owner (kind, name, language, address, national_id, created_at) "
                "VALUES ('household', 'Nguyen Thi Lan', 'vi', '', '001234567890', :at)"
            ),
            {"at": "2026-12-07 00:00:00"},
        )
    assert _owners(fresh_engine)[lan_id] == ("Nguyễn Thị Lan", None, "001234567890")

    migrate.downgrade(fresh_engine, revision="1704")
    names = {c["name"] for c in sa.inspect(fresh_engine).get_columns("owner")}
    assert "national_id" not in names
    with fresh_engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT id, name FROM owner ORDER BY id")).all()
    assert [tuple(r) for r in kept] == [(lan_id, "Nguyễn Thị Lan"), (xang_id, "Xăng dầu Hà Tĩnh")]
    migrate.upgrade(fresh_engine, revision="1901")
    assert _owners(fresh_engine)[lan_id] == ("Nguyễn Thị Lan", None, None)
