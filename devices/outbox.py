"""The agent's on-disk outbox: payloads are durable before they are published.

An entry leaves the outbox only when the ingest's end-to-end ack covers its (boot, seq), that is
once the service has committed it; the broker's PUBACK is not enough, since a broker that crashes
loses what it had not yet saved. So readings taken while the network, the broker or the ingest
is down survive a crash of the agent, and are sent (again) later, in order.
"""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devices import schema as spec

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    boot TEXT,
    seq INTEGER
)
"""
# Acks name (boot, seq) ranges: each range is one index range, never a scan of the outbox.
_INDEX = "CREATE INDEX IF NOT EXISTS outbox_boot_seq ON outbox (boot, seq)"
_COVERED = "SELECT id FROM outbox WHERE boot = ? AND seq BETWEEN ? AND ?"
_DELETE_COVERED = "DELETE FROM outbox WHERE boot = ? AND seq BETWEEN ? AND ?"
_BACKFILL_CHUNK = 500


@dataclass(frozen=True)
class Entry:
    """One message waiting for the ingest's ack; boot and seq are None if its payload has none."""

    id: int
    topic: str
    payload: bytes
    boot: str | None = None
    seq: int | None = None


def head(payload: bytes) -> tuple[str | None, int | None]:
    """Return the (boot, seq) a payload carries, or (None, None) when it carries none.

    An entry without them can never be acked end to end: it leaves on the broker's PUBACK.
    """
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    boot, seq = data.get("boot"), data.get("seq")
    if not isinstance(boot, str) or spec.BOOT_ID.fullmatch(boot) is None:
        return None, None
    if type(seq) is not int or not 0 <= seq <= spec.MAX_SEQ:
        return None, None
    return boot, seq


class Outbox:
    """A FIFO of MQTT messages in a SQLite file, used from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each append is its own durable transaction (synchronous=FULL under WAL).
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        self._migrate()
        self._db.execute(_INDEX)

    def _migrate(self) -> None:
        """Bring an outbox written by an agent without end-to-end acks up to date.

        Adds the boot and seq columns and fills them from each waiting payload, in one
        transaction (a crash half way leaves the old table as it was), so the messages it still
        holds are deleted when their acks come, like new ones.
        """
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        if {"boot", "seq"} <= columns:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for name, kind in (("boot", "TEXT"), ("seq", "INTEGER")):
                if name not in columns:
                    self._db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {kind}")
            self._backfill()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _backfill(self) -> None:
        last = 0
        while rows := self._db.execute(
            "SELECT id, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (last, _BACKFILL_CHUNK),
        ).fetchall():
            self._db.executemany(
                "UPDATE outbox SET boot = ?, seq = ? WHERE id = ?",
                [(*head(bytes(payload)), position) for position, payload in rows],
            )
            last = rows[-1][0]

    def append(
        self, *, topic: str, payload: bytes, boot: str | None = None, seq: int | None = None
    ) -> int:
        """Store a message durably and return its position.

        Boot and seq are read from the payload when not given.
        """
        if boot is None or seq is None:
            boot, seq = head(payload)
        cursor = self._db.execute(
            "INSERT INTO outbox (topic, payload, boot, seq) VALUES (?, ?, ?, ?)",
            (topic, payload, boot, seq),
        )
        assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
        return cursor.lastrowid

    def after(self, position: int, *, limit: int) -> list[Entry]:
        """Return up to `limit` entries after a position, oldest first."""
        rows = self._db.execute(
            "SELECT id, topic, payload, boot, seq FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (position, limit),
        ).fetchall()
        return [Entry(row[0], row[1], bytes(row[2]), row[3], row[4]) for row in rows]

    def oldest(self) -> int | None:
        """Return the position of the oldest entry, None when the outbox is empty."""
        row = self._db.execute("SELECT min(id) FROM outbox").fetchone()
        return None if row[0] is None else int(row[0])

    def delete(self, position: int) -> None:
        """Forget one entry (one that carries no boot and seq, on its PUBACK)."""
        self._db.execute("DELETE FROM outbox WHERE id = ?", (position,))

    def delete_acked(self, boot: str, ranges: Iterable[tuple[int, int]]) -> list[int]:
        """Forget the entries of a boot whose seq lies in the ranges; return their positions.

        One transaction per ack, one index range per (first, last).
        """
        gone: list[int] = []
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for first, last in ranges:
                found = self._db.execute(_COVERED, (boot, first, last))
                gone += [row[0] for row in found]
                self._db.execute(_DELETE_COVERED, (boot, first, last))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return gone

    def __len__(self) -> int:
        """Count the entries (a scan of the outbox: for status messages, not for every pump)."""
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()
