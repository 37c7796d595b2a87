"""Bulk INSERT … ON CONFLICT DO NOTHING for the ingest's hot path (used by the repository).

Each value passes through its column's own bind processor, so storage is identical to the ORM's.
PostgreSQL: rows that need no ids back go through COPY into a temporary table and one INSERT …
SELECT; rows that need their ids, through unnest() of one array per column (a short query
whatever the batch size, so the driver's placeholder parsing stays cheap). SQLite: multi-row
VALUES. Never executemany: sqlite3 releases the GIL around every row, and paho's busy network
thread then makes each re-acquisition wait.
"""

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Row, Table

_CHUNK = 900  # rows per SQLite statement: 17 columns stay under its 32,766 parameters
_UNIQUE = " ON CONFLICT (device_id, boot, seq) DO NOTHING"


def insert_new(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, returning: bool
) -> tuple[int, list[Row[Any]]]:
    """Insert rows, skipping (device, boot, seq) already stored; return (new count, new keys)."""
    if not rows:
        return 0, []
    dialect = conn.dialect
    keys = [k for k in rows[0] if any(row[k] is not None for row in rows)]
    procs = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
    tail = _UNIQUE + (" RETURNING id, device_id, boot, seq" if returning else "")
    if dialect.name == "postgresql" and not returning:
        return _copy_pg(conn, table, rows, keys, procs), []
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{table.c[k].type.compile(dialect)}[]" for k in keys)
        columns = _columns(rows, keys, procs)
        sql = head + f"SELECT * FROM unnest({arrays})" + tail  # noqa: S608 (values are bound)
        return _run(conn, sql, columns, returning)
    count, one = 0, "(" + ", ".join(["?"] * len(keys)) + ")"
    new: list[Row[Any]] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        params = tuple(chain.from_iterable(zip(*_columns(chunk, keys, procs), strict=True)))
        sql = head + "VALUES " + ", ".join([one] * len(chunk)) + tail
        n, got = _run(conn, sql, params, returning)
        count, new = count + n, new + got
    return count, new


def _copy_pg(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    procs: list[Any],
) -> int:
    # COPY into a per-connection temporary table, then one INSERT … SELECT … ON CONFLICT: the
    # driver formats COPY rows in C, where arrays for unnest() are built value by value in Python.
    names = ", ".join(keys)
    staging = f"{table.name}_incoming"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
        f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
        for row in zip(*_columns(rows, keys, procs), strict=True):
            copy.write_row(row)
    cursor.execute(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging}" + _UNIQUE)  # noqa: S608
    return int(cursor.rowcount)


def _columns(
    rows: Sequence[dict[str, Any]], keys: list[str], procs: list[Any]
) -> tuple[list[Any], ...]:
    # Column by column: one tight comprehension per column is much cheaper than a generator
    # that tests for a processor at every value.
    return tuple(
        [p(row[k]) for row in rows] if p else [row[k] for row in rows]
        for k, p in zip(keys, procs, strict=True)
    )


def _run(
    conn: Connection, sql: str, params: tuple[Any, ...], returning: bool
) -> tuple[int, list[Row[Any]]]:
    result = conn.exec_driver_sql(sql, params)
    if returning:
        new = list(result)
        return len(new), new
    return int(result.rowcount), []
