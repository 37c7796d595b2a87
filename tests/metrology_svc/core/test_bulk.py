"""core.bulk stores exactly what a Core executemany stores: the same text in every column,
read back raw from the database (SQLite through the driver's executemany, PostgreSQL through
COPY)."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from metrology_svc.audit.models import AuditRecord
from metrology_svc.core.bulk import STREAM_ROWS, among, insert_rows, update_rows
from metrology_svc.owners.models import Language, Owner, OwnerKind
from metrology_svc.sites.models import Site

OWNERS = Owner.__table__  # type: ignore[attr-defined]
AT = datetime(2026, 11, 23, 3, 4, 5, 678901, tzinfo=UTC)


def _rows(tag: str) -> list[dict[str, Any]]:
    blank: dict[str, Any] = dict.fromkeys(c.name for c in OWNERS.columns if c.name != "id")
    return [
        blank
        | {"kind": OwnerKind.COMPANY, "name": f"{tag} Công ty Hòa Bình", "address": ""}
        | {"language": Language.EN, "created_at": AT, "phone": "0912345678"},
        blank
        | {"kind": "household", "name": f"{tag} Nguyễn Thị Hoa", "address": "Chợ Kỳ Anh"}
        | {"language": "vi", "created_at": AT + timedelta(days=1), "email": None},
    ]


def _raw(db: Session, tag: str) -> list[tuple[Any, ...]]:
    # Every column but the id, as stored (no SQLAlchemy type on the way back).
    names = ", ".join(c.name for c in OWNERS.columns if c.name != "id")
    found = db.connection().execute(
        text(f"SELECT {names} FROM owner WHERE name LIKE :p ORDER BY id"),  # noqa: S608
        {"p": f"{tag} %"},
    )
    return [tuple(str(v).removeprefix(tag) for v in row) for row in found]


def _ids(db: Session, name: str, tag: str) -> list[int]:
    """Ids of the rows of a table whose name starts with the tag, in order."""
    stmt = text(f"SELECT id FROM {name} WHERE name LIKE :p ORDER BY id")  # noqa: S608
    found: list[Any] = list(db.connection().execute(stmt, {"p": f"{tag} %"}).scalars())
    return [int(i) for i in found]


def test_rows_are_stored_as_core_stores_them(db: Session) -> None:
    insert_rows(db, OWNERS, _rows("fast"))
    db.execute(insert(OWNERS), _rows("core"))
    fast, core = _raw(db, "fast"), _raw(db, "core")
    assert len(fast) == 2
    assert fast == core


def test_streamed_rows_are_stored_as_a_list_of_them_is(db: Session) -> None:
    # An iterator longer than one streamed batch: every row stored, in order, as a list's are.
    count = STREAM_ROWS * 2 + 7
    listed = [r | {"name": f"{r['name']} {i:04d}"} for i in range(count) for r in _rows("list")]
    insert_rows(db, OWNERS, listed)
    streamed = (r | {"name": f"{r['name']} {i:04d}"} for i in range(count) for r in _rows("iter"))
    insert_rows(db, OWNERS, streamed)
    stored = _raw(db, "iter")
    assert len(stored) == count * 2
    assert stored == _raw(db, "list")


def test_a_streamed_row_with_other_keys_is_refused(db: Session) -> None:
    good = _rows("mixed")
    odd = {k: v for k, v in good[1].items() if k != "email"}
    rows = [good[0]] * (STREAM_ROWS + 1) + [odd]
    # PostgreSQL: past the first batch the COPY is under way and the odd row ends it. SQLite
    # reads the rows whole first and Core's executemany refuses them as it does a list.
    refused = ValueError if db.get_bind().dialect.name == "postgresql" else StatementError
    with pytest.raises(refused):
        insert_rows(db, OWNERS, iter(rows))


def test_updates_are_stored_as_core_stores_them(db: Session) -> None:
    for tag in ("fast", "core"):
        insert_rows(db, OWNERS, _rows(tag))
    ids = {tag: _ids(db, "owner", tag) for tag in ("fast", "core")}
    change = {"kind": OwnerKind.COMPANY, "created_at": AT - timedelta(hours=30)}
    update_rows(db, OWNERS, [{"id": i} | change for i in ids["fast"]])
    db.execute(OWNERS.update().where(OWNERS.c.id.in_(ids["core"])).values(change))
    assert _raw(db, "fast") == _raw(db, "core")
    stmt = text("SELECT kind FROM owner WHERE name LIKE 'fast %'")
    kinds: list[Any] = list(db.connection().execute(stmt).scalars())
    assert sorted(kinds) == ["company", "company"]


AUDIT = AuditRecord.__table__  # type: ignore[attr-defined]
SITES = Site.__table__  # type: ignore[attr-defined]


def _raw_where(db: Session, name: str, columns: list[str], where: str) -> list[tuple[Any, ...]]:
    listed = ", ".join(columns)
    found = db.connection().execute(
        text(f"SELECT {listed} FROM {name} WHERE {where} ORDER BY id")  # noqa: S608
    )
    return [tuple(str(v) for v in row) for row in found]


def test_json_and_times_are_stored_as_core_stores_them(db: Session) -> None:
    # JSON (through the column's own processor, and as text encoded already), aware times,
    # Vietnamese text, tabs, newlines, backslashes and "\\N" (COPY's NULL) and a None: the COPY
    # path on PostgreSQL, executemany on SQLite.
    detail = {"tên": "Chợ Kỳ Anh", "n": [1, 2.5, None], "ok": True, "raw": 'a\tb\nc\\d "q" \\N'}

    def rows(first_seq: int) -> list[dict[str, Any]]:
        return [
            {"seq": first_seq + i, "at": AT + timedelta(minutes=i), "actor_user_id": None}
            | {"actor": "Lê\tVăn \\N\nTâm", "action": "bulk.test", "entity": "x", "entity_id": i}
            | {"detail": detail, "prev_hash": f"p{first_seq + i}", "hash": f"h{first_seq + i}"}
            for i in range(3)
        ]

    insert_rows(db, AUDIT, rows(900_001))
    db.execute(insert(AUDIT), rows(900_011))
    encoded = [r | {"detail": json.dumps(detail, ensure_ascii=False)} for r in rows(900_021)]
    insert_rows(db, AUDIT, encoded, encoded={"detail"})
    columns = ["at", "actor_user_id", "actor", "action", "entity", "entity_id", "detail"]
    fast = _raw_where(db, "audit_record", columns, "seq BETWEEN 900001 AND 900003")
    core = _raw_where(db, "audit_record", columns, "seq BETWEEN 900011 AND 900013")
    assert len(fast) == 3
    assert fast == core
    stored = db.connection().execute(
        select(AUDIT.c.detail).where(AUDIT.c.seq.between(900_021, 900_023))
    )
    assert list(stored.scalars()) == [detail] * 3


def test_floats_and_nulls_are_stored_and_updated_as_core_does(db: Session) -> None:
    unit_id: int = db.connection().execute(text("SELECT min(id) FROM admin_unit")).scalar_one()

    def rows(tag: str) -> list[dict[str, Any]]:
        return [
            {"name": f"{tag} Chợ {i}", "address": "", "unit_id": unit_id, "kind": "market"}
            | {"latitude": lat, "longitude": None, "created_at": AT, "retired_at": None}
            for i, lat in enumerate([10.762622, -0.1, 1e-7, 21.0])
        ]

    insert_rows(db, SITES, rows("fast"))
    db.execute(insert(SITES), rows("core"))
    columns = ["name", "address", "unit_id", "kind", "latitude", "longitude", "retired_at"]

    def raw(tag: str) -> list[tuple[Any, ...]]:
        got = _raw_where(db, "site", columns, f"name LIKE '{tag} %'")
        return [tuple(v.removeprefix(tag) for v in row) for row in got]

    assert len(raw("fast")) == 4
    assert raw("fast") == raw("core")
    ids = {tag: _ids(db, "site", tag) for tag in ("fast", "core")}
    change = {"longitude": 106.660172, "retired_at": AT + timedelta(days=2), "latitude": None}
    update_rows(db, SITES, [{"id": i} | change for i in ids["fast"]])
    db.execute(SITES.update().where(SITES.c.id.in_(ids["core"])).values(change))
    assert raw("fast") == raw("core")
    assert all(row[5] == "106.660172" for row in raw("fast"))


def test_among_finds_what_in_finds(db: Session) -> None:
    quoted = 'among O\'Brien "Ltd"'
    insert_rows(db, OWNERS, [*_rows("among"), _rows("among")[0] | {"name": quoted}])
    ids = _ids(db, "owner", "among")
    names = ["among Nguyễn Thị Hoa", 'among O\'Brien "Ltd"', "among nobody", "among Nguyễn Thị Hoa"]
    name, key = OWNERS.c.name, OWNERS.c.id
    for column, values in ((name, names), (key, [*ids[1:], 10**9]), (key, []), (name, [])):
        fast = db.execute(select(key).where(among(db, column, values)).order_by(key)).all()
        core = db.execute(select(key).where(column.in_(values)).order_by(key)).all()
        assert fast == core
    assert len(db.execute(select(key).where(among(db, name, names))).all()) == 2
    # Thousands of values: one parameter, found as IN finds them.
    many = [f"among {i}" for i in range(5000)] + names
    assert db.execute(select(func.count()).where(among(db, name, many))).scalar_one() == 2
