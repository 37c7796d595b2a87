"""The agent's on-disk outbox: payloads are durable before they are published.

An entry leaves the outbox only when the broker acknowledged it (PUBACK), so readings taken while
the network or the broker is down survive a crash of the agent and are sent later, in order.
"""

import sqlite3
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL
)
"""


@dataclass(frozen=True)
class Entry:
    """One message waiting for its PUBACK."""

    id: int
    topic: str
    payload: bytes


class Outbox:
    """A FIFO of MQTT messages in a SQLite file, used from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each append is its own durable transaction (synchronous=FULL under WAL).
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def append(self, *, topic: str, payload: bytes) -> int:
        """Store a message durably and return its position."""
        cursor = self._db.execute(
            "INSERT INTO outbox (topic, payload) VALUES (?, ?)", (topic, payload)
        )
        assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
        return cursor.lastrowid

    def after(self, position: int, *, limit: int) -> list[Entry]:
        """Return up to `limit` entries after a position, oldest first."""
        rows = self._db.execute(
            "SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (position, limit),
        ).fetchall()
        return [Entry(row[0], row[1], bytes(row[2])) for row in rows]

    def delete(self, position: int) -> None:
        """Forget an entry the broker acknowledged."""
        self._db.execute("DELETE FROM outbox WHERE id = ?", (position,))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()
