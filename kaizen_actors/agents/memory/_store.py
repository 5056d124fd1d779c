"""The SQLite file behind a persisted ``VectorMemory``.

One table of memories (``id`` ascending with time: ``AUTOINCREMENT`` never
reuses an id, and SQLite commits one writer at a time) and an ``epoch``
counter that ``clear()`` bumps, so a process reading the file notices rows
it loaded were deleted. The file is in WAL mode: readers do not block the
writer, and several processes may use it at once (a busy database is
waited for, up to ``timeout``). Every method blocks: call them in a worker
thread, one at a time (the caller holds a lock).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["VectorStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content TEXT NOT NULL,
    metadata TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', 0);
"""

Row = tuple[int, str, str, bytes]
"""``(id, content, metadata JSON, float32 vector bytes)``."""


class VectorStore:
    """Memories in a SQLite file (WAL mode), read and written from worker threads.

    Args:
        path: the file (created with its tables when missing).
        timeout: seconds to wait for another process's write lock.

    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
            self._db = db
        return self._db

    def insert(self, content: str, metadata: str, vector: bytes) -> int:
        """Add one memory; its id."""
        cursor = self._connection().execute(
            "INSERT INTO memories (content, metadata, vector) VALUES (?, ?, ?)",
            (content, metadata, vector),
        )
        row_id = cursor.lastrowid
        assert row_id is not None  # an INSERT always sets it
        return row_id

    def rows_after(self, last_id: int) -> tuple[int, list[Row]]:
        """The epoch and the rows with ``id > last_id``, oldest first (one consistent read)."""
        db = self._connection()
        db.execute("BEGIN")
        try:
            (epoch,) = db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
            rows = db.execute(
                "SELECT id, content, metadata, vector FROM memories WHERE id > ? ORDER BY id",
                (last_id,),
            ).fetchall()
        finally:
            db.execute("COMMIT")
        return int(epoch), rows

    def clear(self) -> None:
        """Delete every memory and bump the epoch."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM memories")
            db.execute("UPDATE meta SET value = value + 1 WHERE key = 'epoch'")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the next call opens it again)."""
        if self._db is not None:
            self._db.close()
            self._db = None
