"""core.bulk stores exactly what a Core executemany stores: the same text in every column,
read back raw from the database (SQLite takes the fast path, PostgreSQL the Core one)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from metrology_svc.core.bulk import insert_rows, update_rows
from metrology_svc.owners.models import Language, Owner, OwnerKind

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


def test_rows_are_stored_as_core_stores_them(db: Session) -> None:
    insert_rows(db, OWNERS, _rows("fast"))
    db.execute(insert(OWNERS), _rows("core"))
    fast, core = _raw(db, "fast"), _raw(db, "core")
    assert len(fast) == 2
    assert fast == core


def test_updates_are_stored_as_core_stores_them(db: Session) -> None:
    for tag in ("fast", "core"):
        insert_rows(db, OWNERS, _rows(tag))
    ids: dict[str, list[Any]] = {
        tag: list(
            db.connection()
            .execute(text("SELECT id FROM owner WHERE name LIKE :p ORDER BY id"), {"p": f"{tag} %"})
            .scalars()
        )
        for tag in ("fast", "core")
    }
    change = {"kind": OwnerKind.COMPANY, "created_at": AT - timedelta(hours=30)}
    update_rows(db, OWNERS, [{"id": i} | change for i in ids["fast"]])
    db.execute(OWNERS.update().where(OWNERS.c.id.in_(ids["core"])).values(change))
    assert _raw(db, "fast") == _raw(db, "core")
    stmt = text("SELECT kind FROM owner WHERE name LIKE 'fast %'")
    kinds: list[Any] = list(db.connection().execute(stmt).scalars())
    assert sorted(kinds) == ["company", "company"]
