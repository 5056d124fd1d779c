"""The audit log's file writer: lines queued on the loop, written in batches by a thread.

``append`` only puts a line in a list (under a lock held for no I/O); a
worker thread takes everything queued, writes it with one ``write`` and
flushes. The thread starts with the first line and ends after a second
without work, closing the file, so an idle log holds no thread nor file.
``await flush()`` returns once
every line queued before it is on disk; at interpreter exit whatever is
still queued is written too.

The queue is bounded by backpressure, never by dropping: past
``max_pending`` lines :attr:`AuditWriter.full` is true, and
``await room()`` waits (in a worker thread, as ``flush`` does) until the
thread has written it down to half. ``append`` itself never waits, so a line is never lost.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from pathlib import Path
from typing import BinaryIO

import anyio

__all__ = ["AuditWriter"]

IDLE = 1.0
"""Seconds without lines after which the worker thread ends (a new line starts another)."""

MAX_PENDING = 10_000
"""Lines queued for the disk past which :meth:`AuditWriter.room` waits for the thread."""

STALL = 30.0
"""Seconds :meth:`AuditWriter.room` waits at most for a stalled disk before it lets calls on."""

logger = logging.getLogger("kaizen_actors.telemetry")

_open: weakref.WeakSet[AuditWriter] = weakref.WeakSet()


class AuditWriter:
    """Appends lines (bytes ending in a newline) to ``path`` without blocking the caller.

    Attributes:
        path: the file appended to (created with its folder if missing).
        max_pending: how many lines may wait for the disk before :meth:`room`
            makes its callers wait.

    """

    def __init__(self, path: str | Path, max_pending: int = MAX_PENDING) -> None:
        self.path = Path(path)
        self.max_pending = max_pending
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

    @property
    def full(self) -> bool:
        """Whether more than ``max_pending`` lines wait for the disk."""
        return self._queued - self._written > self.max_pending

    async def room(self) -> None:
        """Wait until at most half of ``max_pending`` lines wait for the disk.

        Gives up after :data:`STALL` seconds (a disk that stopped answering),
        logging a warning: the lines stay queued, the calls go on.
        """
        low = self._queued - self.max_pending // 2
        drained = await anyio.to_thread.run_sync(self._wait, low, STALL, abandon_on_cancel=True)
        if not drained:
            logger.warning(
                "audit writer stalled: %d records queued for %s", self.pending, self.path
            )

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

    def _wait(self, target: int, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._written >= target, timeout)

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
