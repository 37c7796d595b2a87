"""Bulk INSERT … ON CONFLICT DO NOTHING for the ingest's hot path (used by the repository).

Each value passes through its column's own bind processor, so storage is identical to the ORM's
(bytes excepted: they need none).
PostgreSQL: rows that need no ids back go through COPY into a temporary table and one INSERT …
SELECT; rows that need their ids, through unnest() of one array per column (a short query
whatever the batch size, so the driver's placeholder parsing stays cheap). SQLite: multi-row
VALUES. Never executemany: sqlite3 releases the GIL around every row, and paho's busy network
thread then makes each re-acquisition wait.

Readings and self-checks share one key space (every message of one boot shares one sequence):
`unless_in` makes the insert also skip a row whose key the other table holds, inside the same
statement, so the caller's one cheap test (fewer rows new than offered) still covers that case.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, LargeBinary, Row, Table
from sqlmodel.sql.sqltypes import UTCDateTime

_CHUNK = 900  # rows per SQLite statement: 18 columns stay under its 32,766 parameters
KEY = ("device_id", "boot", "seq")
Key = tuple[str, str, int]


def insert_new(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: bool,
    unique: tuple[str, ...] = KEY,
    unless_in: Table | None = None,
) -> tuple[int, list[Row[Any]]]:
    """Insert rows, skipping those whose unique columns are stored; return (new count, new keys).

    With `unless_in`, also skip rows whose (device, boot, seq) that table holds. `returning`
    gives back the id and the unique columns of each new row.
    """
    if not rows:
        return 0, []
    dialect = conn.dialect
    keys = [k for k in rows[0] if any(row[k] is not None for row in rows)]
    procs = [_processor(table, k, conn) for k in keys]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(k) for k in keys)
    head = f"INSERT INTO {quote(table.name)} ({names}) "
    tail = f" ON CONFLICT ({', '.join(unique)}) DO NOTHING"
    tail += f" RETURNING id, {', '.join(unique)}" if returning else ""
    if dialect.name == "postgresql" and not returning:
        return _copy_pg(conn, table, rows, keys, procs, unless_in, tail), []
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{table.c[k].type.compile(dialect)}[]" for k in keys)
        source = f"SELECT * FROM unnest({arrays}) AS s ({names})"  # noqa: S608 (values are bound)
        if unless_in is not None:
            source += _unless(unless_in, "s.device_id", "s.boot", "s.seq")
        return _run(conn, head + source + tail, _columns(rows, keys, procs), returning)
    one = "(" + ", ".join(["?"] * len(keys)) + ")"
    count, new = 0, list[Row[Any]]()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        params = tuple(chain.from_iterable(zip(*_columns(chunk, keys, procs), strict=True)))
        values = "VALUES " + ", ".join([one] * len(chunk))
        if unless_in is not None:
            # SQLite names the columns of a VALUES list column1, column2, …
            refs = [f"s.column{keys.index(k) + 1}" for k in KEY]
            values = f"SELECT * FROM ({values}) AS s{_unless(unless_in, *refs)}"  # noqa: S608
        n, got = _run(conn, head + values + tail, params, returning)
        count, new = count + n, new + got
    return count, new


def _processor(table: Table, key: str, conn: Connection) -> Any:
    # Bytes go to both drivers as they are: LargeBinary's processor only wraps each value in
    # the driver's Binary, a cost per row for nothing.
    column_type = table.c[key].type
    if isinstance(column_type, LargeBinary):
        return None
    if conn.dialect.name == "sqlite" and isinstance(column_type, UTCDateTime):
        return _sqlite_utc_text
    return column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """Write an aware time as SQLite's DATETIME text in UTC, as UTCDateTime's bind path does.

    The ORM's path is two Python calls per value (the decorator's astimezone, then a %-format
    of eight fields); this is one C call with the very same text ("2026-11-22 01:00:00.000000",
    a test pins it), and it refuses a naive time the same way.
    """
    if value is None:
        return None
    if value.utcoffset() is None:
        raise ValueError("Datetime values must have timezone information")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _unless(other: Table, device: str, boot: str, seq: str) -> str:
    # A WHERE clause also keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    return (
        f" WHERE NOT EXISTS (SELECT 1 FROM {other.name} o WHERE o.device_id = {device}"  # noqa: S608
        f" AND o.boot = {boot} AND o.seq = {seq})"
    )


def stored(
    conn: Connection, table: Table, keys: Sequence[Key], column: str
) -> list[tuple[Any, ...]]:
    """Return (device_id, boot, seq, column) of the rows stored under these keys.

    One indexed probe per key: a join of the keys (unnest() arrays on PostgreSQL, a VALUES list
    on SQLite) to the table's unique (device, boot, seq) index.
    """
    if not keys:
        return []
    dialect = conn.dialect
    select = f"SELECT t.device_id, t.boot, t.seq, t.{column} FROM "  # noqa: S608
    on = " ON t.device_id = k.{0} AND t.boot = k.{1} AND t.seq = k.{2}"
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{table.c[k].type.compile(dialect)}[]" for k in KEY)
        sql = select + f"unnest({arrays}) AS k (d, b, s) JOIN {table.name} t"
        sql += on.format("d", "b", "s")
        columns = tuple([key[i] for key in keys] for i in range(3))
        return [tuple(row) for row in conn.exec_driver_sql(sql, columns)]
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        values = ", ".join(["(?, ?, ?)"] * len(chunk))
        sql = select + f"(VALUES {values}) AS k JOIN {table.name} t"
        sql += on.format("column1", "column2", "column3")
        params = tuple(chain.from_iterable(chunk))
        found += [tuple(row) for row in conn.exec_driver_sql(sql, params)]
    return found


def _copy_pg(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    procs: list[Any],
    unless_in: Table | None,
    tail: str,
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
    source = f"SELECT {names} FROM {staging} s"  # noqa: S608
    if unless_in is not None:
        source += _unless(unless_in, "s.device_id", "s.boot", "s.seq")
    cursor.execute(f"INSERT INTO {table.name} ({names}) {source}{tail}")
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
