"""Batched INSERTs and UPDATEs of plain rows with the least work per row (imports write
100,000s).

On SQLite the rows go to the driver's executemany as tuples; on PostgreSQL (psycopg) they are
streamed with COPY, and an update is a COPY into a temporary table and one UPDATE … FROM it.
Either way each value is first converted by its column type's own bind processor, as
SQLAlchemy would convert it, without SQLAlchemy's per-row parameter bookkeeping (a third of an
import's write time on SQLite; on PostgreSQL a COPY is one round trip where an executemany
sends every row as a statement of its own). Elsewhere, and whenever the rows do not fit that
path (unequal keys, a column with a Python-side default left out), it is a plain Core
executemany. Rows given as an iterator are streamed on PostgreSQL: made while the server
stores the ones before (insert_rows). tests/metrology_svc/core/test_bulk.py reads back what
each path stored, raw, against what Core stores.
"""

import itertools
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, KeysView
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session


def _driver_path(conn: Connection) -> str | None:
    """Return "sqlite" or "copy" when the connection's driver takes a fast path, else None."""
    dialect = conn.dialect
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        return "sqlite"
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return "copy"
    return None


def takes_encoded(session: Session) -> bool:
    """Tell whether insert_rows can store pre-encoded values on this session's driver."""
    return _driver_path(session.connection()) is not None


def among(
    session: Session, column: ColumnElement[Any] | Mapped[Any], values: Collection[str | int]
) -> ColumnElement[bool]:
    """Return `column IN values` as one parameter however many values there are: an array
    (`= ANY`) on PostgreSQL, a JSON list (`IN (SELECT value FROM json_each(…))`) on SQLite,
    instead of one parameter per value, which SQLAlchemy names one by one and psycopg parses
    for every statement (a tenth of an import's time on PostgreSQL). Text and integers only."""
    listed, column = list(values), cast(ColumnElement[Any], column)  # a mapped one is one too
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    if dialect == "sqlite":
        each = func.json_each(bindparam(None, json.dumps(listed), type_=String)).table_valued(
            "value"
        )
        return column.in_(select(each.c.value))
    return column.in_(listed)


def insert_rows(
    session: Session,
    table: Table,
    rows: Iterable[dict[str, Any]],
    *,
    encoded: Collection[str] = (),
) -> None:
    """Insert rows (dicts by column name, all with the same keys) in one batch.

    `encoded`: columns whose values are stored as given (e.g. JSON text encoded already).

    `rows` may be an iterator (not a list): on PostgreSQL the rows are then made while the
    server stores the ones before, STREAM_ROWS at a time, so that its inserting and indexing
    overlap this process's work instead of following it (foreign keys are still checked at
    the COPY's end: PostgreSQL queues those checks). Such an iterator must not use the session
    (its connection is busy with the COPY), and every row must have the first row's keys (else
    ValueError, which ends the COPY and so the transaction). Elsewhere it is read whole first."""
    conn = session.connection()
    path = _driver_path(conn)
    streamed = path == "copy" and not isinstance(rows, list)
    it = iter(rows)
    first = list(itertools.islice(it, STREAM_ROWS)) if streamed else list(it)
    if not first:
        return
    keys = first[0].keys()
    names = list(keys)
    fits = path is not None and all(r.keys() == keys for r in first)
    fits = fits and all(n in table.c for n in names)
    left_out = [c for c in table.columns if c.name not in keys]
    fits = fits and not any(c.default is not None for c in left_out)
    if not fits:
        if encoded:
            raise ValueError("pre-encoded values need a driver-level path (SQLite or psycopg)")
        session.execute(insert(table), [*first, *it])
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    if path == "copy":
        batches = itertools.chain([first], _same_keys(it, keys)) if streamed else [first]
        values = (_columns(conn, table, names, batch, encoded) for batch in batches)
        _copy(conn, f"COPY {quote(table.name)} ({columns}) FROM STDIN", values)
        return
    # Names quoted by the dialect, from the table's own columns; values go as parameters.
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    by_column = _columns(conn, table, names, first, encoded)
    conn.exec_driver_sql(sql, list(zip(*by_column, strict=True)))


STREAM_ROWS = 500  # rows made, converted and sent to the server at a time (insert_rows)


def _same_keys(
    rows: Iterator[dict[str, Any]], keys: KeysView[str]
) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows in lists of STREAM_ROWS, each row checked to have `keys`."""
    while batch := list(itertools.islice(rows, STREAM_ROWS)):
        if any(r.keys() != keys for r in batch):
            raise ValueError("streamed rows must all have the first row's keys")
        yield batch


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update rows by id in one batch: each dict holds "id" and the columns to set (all dicts
    the same keys)."""
    if not rows:
        return
    conn = session.connection()
    names = [n for n in rows[0] if n != "id"]
    keys = rows[0].keys()
    path = _driver_path(conn)
    fits = path is not None and all(r.keys() == keys for r in rows)
    fits = fits and all(n in table.c for n in keys)
    fits = fits and not any(c.onupdate is not None for c in table.columns if c.name not in keys)
    if not fits:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({n: bindparam(f"b_{n}") for n in names})
        )
        session.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    values = _columns(conn, table, [*names, "id"], rows, ())
    if path == "copy":
        _copy_update(conn, table, names, values)
        return
    sets = ", ".join(f"{quote(n)} = ?" for n in names)
    sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {quote('id')} = ?"  # noqa: S608
    conn.exec_driver_sql(sql, list(zip(*values, strict=True)))


def _copy_update(conn: Connection, table: Table, names: list[str], values: list[list[Any]]) -> None:
    """UPDATE from a temporary table the new values are copied into (same column types, no
    constraints), dropped afterwards."""
    quote = conn.dialect.identifier_preparer.quote
    target, scratch = quote(table.name), f"bulk_update_{uuid.uuid4().hex}"
    listed = ", ".join(quote(n) for n in [*names, "id"])
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {listed} FROM {target} WITH NO DATA"
    )
    _copy(conn, f"COPY {scratch} ({listed}) FROM STDIN", [values])
    sets = ", ".join(f"{quote(n)} = s.{quote(n)}" for n in names)
    conn.exec_driver_sql(
        f"UPDATE {target} SET {sets} FROM {scratch} AS s "  # noqa: S608
        f"WHERE {target}.{quote('id')} = s.{quote('id')}"
    )
    conn.exec_driver_sql(f"DROP TABLE {scratch}")


def _copy(conn: Connection, sql: str, batches: Iterable[list[list[Any]]]) -> None:
    """Stream batches of rows (each given column by column) through psycopg's COPY … FROM
    STDIN, in this connection's transaction; psycopg sends every 32 KiB or so."""
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for values in batches:
            for row in zip(*values, strict=True):
                write(row)


def _columns(
    conn: Connection,
    table: Table,
    names: list[str],
    rows: list[dict[str, Any]],
    encoded: Collection[str],
) -> list[list[Any]]:
    """Return the rows' values column by column, each converted by its column's bind
    processor (except the `encoded` columns, stored as given)."""
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
    return columns


def _processed(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """Return the values converted, each distinct object once (an import's rows share their
    time, enum members and most strings; a bind processor is a pure function of its value).
    Keyed by object identity: every value stays alive in the rows meanwhile."""
    distinct = {id(v): v for v in values}
    done = {key: process(v) for key, v in distinct.items()}
    return [done[id(v)] for v in values]
