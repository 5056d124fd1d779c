"""The seed's transparency interface: ``Kaizen.get_transparency_interface()``.

A :class:`TransparencyInterface` holds one in-memory :class:`AuditLog` fed by
a process middleware and by every system's supervision and dead-letter
signals, so every agent turn, model call, tool call and team run served by
an actor system of the process (the teams and actors running the agents of
``create_agent``) is recorded without further configuration.
:meth:`~TransparencyInterface.create_workflow_monitor` gives live records
and counters, :meth:`~TransparencyInterface.get_audit_trail` a run's records.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Self

import anyio

from ..actors._middleware import add_process_middleware, watch_systems
from ._audit import DEFAULT_LIMIT, AuditLog, AuditMiddleware

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["TransparencyInterface", "WorkflowMonitor"]


class WorkflowMonitor:
    """Live audit records and counters from a :class:`TransparencyInterface`.

    ``counters`` counts the records by ``kind`` since the monitor was made;
    ``async for record in monitor`` yields each new record. A reader slower
    than the records loses the oldest unread ones beyond ``buffer`` (counted
    in ``dropped``) rather than slowing the agents down. ``close()`` (or
    ``async with``) stops it.

    Version added: 0.1
    """

    def __init__(self, log: AuditLog, buffer: int = 1000) -> None:
        self.counters: Counter[str] = Counter()
        self.dropped = 0
        send: MemoryObjectSendStream[dict[str, Any]]
        receive: MemoryObjectReceiveStream[dict[str, Any]]
        send, receive = anyio.create_memory_object_stream(buffer)
        self._send, self._receive = send, receive
        self._unsubscribe: Callable[[], None] | None = log.subscribe(self._on_record)

    def _on_record(self, record: dict[str, Any]) -> None:
        self.counters[record["kind"]] += 1
        while True:
            try:
                self._send.send_nowait(record)
                return
            except anyio.WouldBlock:
                self._receive.receive_nowait()
                self.dropped += 1

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Stop receiving records and end the iteration."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self._send.close()
            self._receive.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TransparencyInterface:
    """What ``Kaizen.get_transparency_interface()`` returns: the process's audit, live.

    Args:
        limit: how many records the in-memory log keeps.

    Attributes:
        audit: the :class:`AuditLog` (in memory) it records into.

    Version added: 0.1

    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.audit = AuditLog(limit=limit)
        self._remove = add_process_middleware(AuditMiddleware(self.audit))
        self._unwatch = watch_systems(self.audit.watch)

    def create_workflow_monitor(self, buffer: int = 1000) -> WorkflowMonitor:
        """A :class:`WorkflowMonitor` of the records from now on (``buffer`` unread at most).

        Raises:
            ValueError: for a ``buffer`` under 1.

        """
        if buffer < 1 or buffer == math.inf:
            raise ValueError(f"buffer must be a positive int, got {buffer!r}")
        return WorkflowMonitor(self.audit, buffer)

    def get_audit_trail(self, run_id: str) -> list[dict[str, Any]]:
        """The records of the run ``run_id`` (those still in memory), in order."""
        return self.audit.trail(run_id)

    def close(self) -> None:
        """Stop recording (the records kept stay readable)."""
        self._remove()
        self._unwatch()
