"""The audit log's file writer: lines queued on the loop, written in batches by a thread.

``append`` only puts a line in a list (under a lock held for no I/O); a
worker thread takes everything queued, writes it with one ``write`` and
flushes. The thread starts with the first line and ends after a second
without work, closing the file, so an idle log holds no thread nor file.
``await flush()`` returns once
every line queued before it is on disk; at interpreter exit whatever is
still queued is written too.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from pathlib import Path
from typing import BinaryIO

import anyio

__all__ = ["AuditWriter"]

IDLE = 1.0
"""Seconds without lines after which the worker thread ends (a new line starts another)."""

_open: weakref.WeakSet[AuditWriter] = weakref.WeakSet()


class AuditWriter:
    """Appends lines (bytes ending in a newline) to ``path`` without blocking the caller.

    Attributes:
        path: the file appended to (created with its folder if missing).

    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cond = threading.Condition()
        self._pending: list[bytes] = []
        self._queued = 0
        self._written = 0
        self._file: BinaryIO | None = None
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None
        self._io = threading.Lock()
        _open.add(self)

    @property
    def pending(self) -> int:
        """How many lines are queued and not yet on disk."""
        return self._queued - self._written

    def append(self, line: bytes) -> None:
        """Queue ``line`` for writing; never blocks on I/O."""
        with self._cond:
            self._pending.append(line)
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name=f"kaizen-audit:{self.path.name}", daemon=True
                )
                self._thread.start()
            else:
                self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._pending and not self._cond.wait_for(lambda: self._pending, IDLE):
                    self._thread = None
                    break
            self._take_and_write()
        self._close_file()

    def _take_and_write(self) -> None:
        # One writer at a time, taking its batch inside the lock, keeps the lines in order.
        with self._io:
            with self._cond:
                batch, self._pending = self._pending, []
            if batch:
                self._write(batch)

    def _write(self, batch: list[bytes]) -> None:
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("ab")
            self._file.write(b"".join(batch))
            self._file.flush()
        except OSError as exc:
            self._error = exc
        with self._cond:
            self._written += len(batch)
            self._cond.notify_all()

    def _wait(self, target: int) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._written >= target)

    def drain(self) -> None:
        """Write what is queued from the calling thread (for interpreter exit)."""
        self._take_and_write()

    async def flush(self) -> None:
        """Return once every line queued so far is written and flushed.

        Raises:
            OSError: the last write failed (the file cannot be written).

        """
        target = self._queued
        if self._written < target:
            await anyio.to_thread.run_sync(self._wait, target, abandon_on_cancel=True)
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def aclose(self) -> None:
        """Flush, then close the file (a later line opens it again)."""
        await self.flush()
        await anyio.to_thread.run_sync(self._close_file)

    def _close_file(self) -> None:
        with self._io:
            file, self._file = self._file, None
        if file is not None:
            file.close()


@atexit.register
def _drain_all() -> None:
    for writer in list(_open):
        writer.drain()
        writer._close_file()  # noqa: SLF001 - this module's own writers
