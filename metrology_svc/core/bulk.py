"""Batched INSERTs of plain rows with the least work per row (imports write 100,000s).

On SQLite the rows go to the driver's executemany as tuples, each value converted by its
column type's own bind processor, as SQLAlchemy would convert it, without SQLAlchemy's
per-row parameter bookkeeping (a third of an import's write time). Elsewhere, and whenever
the rows do not fit that path (unequal keys, a column with a Python-side default left out),
it is a plain Core executemany.
"""

from collections.abc import Callable, Collection
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.orm import Session


def insert_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    encoded: Collection[str] = (),
) -> None:
    """Insert rows (dicts by column name, all with the same keys) in one executemany.

    `encoded`: columns whose values are stored as given (e.g. JSON text encoded already)."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    keys = rows[0].keys()
    fits = dialect.name == "sqlite" and dialect.paramstyle == "qmark"
    fits = fits and all(r.keys() == keys for r in rows)
    fits = fits and all(n in table.c for n in names)
    left_out = [c for c in table.columns if c.name not in keys]
    fits = fits and not any(c.default is not None for c in left_out)
    if not fits:
        if encoded:
            raise ValueError("pre-encoded values need the SQLite path")
        session.execute(insert(table), rows)
        return
    # Names quoted by the dialect, from the table's own columns; values go as parameters.
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    _execute(conn, table, sql, names, rows, encoded)


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update rows by id in one executemany: each dict holds "id" and the columns to set (all
    dicts the same keys)."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = [n for n in rows[0] if n != "id"]
    keys = rows[0].keys()
    fits = dialect.name == "sqlite" and dialect.paramstyle == "qmark"
    fits = fits and all(r.keys() == keys for r in rows) and all(n in table.c for n in keys)
    fits = fits and not any(c.onupdate is not None for c in table.columns if c.name not in keys)
    if not fits:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({n: bindparam(f"b_{n}") for n in names})
        )
        session.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])
        return
    quote = dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(n)} = ?" for n in names)
    sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {quote('id')} = ?"  # noqa: S608
    _execute(conn, table, sql, [*names, "id"], rows, ())


def _execute(
    conn: Connection,
    table: Table,
    sql: str,
    names: list[str],
    rows: list[dict[str, Any]],
    encoded: Collection[str],
) -> None:
    dialect = conn.dialect
    processors: list[Callable[[Any], Any] | None] = [
        None
        if name in encoded
        else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in names
    ]
    columns = [list(map(itemgetter(name), rows)) for name in names]
    for i, process in enumerate(processors):
        if process is not None:
            columns[i] = _processed(columns[i], process)
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _processed(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """Return the values converted, each distinct object once (an import's rows share their
    time, enum members and most strings; a bind processor is a pure function of its value).
    Keyed by object identity: every value stays alive in the rows meanwhile."""
    distinct = {id(v): v for v in values}
    done = {key: process(v) for key, v in distinct.items()}
    return [done[id(v)] for v in values]
