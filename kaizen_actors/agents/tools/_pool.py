"""``MCPPool``: one live session per MCP server, shared by every agent that uses it.

Inside an ``ActorSystem`` the pool is the system's (:meth:`MCPPool.of`, kept
as a system resource): every agent actor of the system, and every call they
make, uses the same session, hence the same server process, per server
:attr:`~._server.MCPServer.key`; the system closes the pool when it shuts
down, after its actors have stopped. An agent used outside any system
(``agent.run()``) has a pool of its own, which ``agent.aclose()`` closes.

A server is started when first needed and listed once (its connection
follows ``tools/list_changed``). When it dies, the call in flight fails (the
model sees an error result) and the next call, or the next turn's listing,
starts it again; :attr:`MCPPool.restarts` counts those restarts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio

from ...messages import ToolError
from ._mcp import MCPConnection

if TYPE_CHECKING:
    from ...actors import ActorSystem
    from ._server import MCPServer

__all__ = ["MCPPool"]

logger = logging.getLogger("kaizen_actors.tools")


class _Slot:
    """The session of one server key, and the lock its (re)starts take."""

    __slots__ = ("connection", "lock")

    def __init__(self) -> None:
        self.connection: MCPConnection | None = None
        self.lock = anyio.Lock()


class MCPPool:
    """Live MCP sessions, one per server key, shared by concurrent agents and calls.

    Attributes:
        restarts: how many times a server that went away was started again
            (each attempt counts, whether the server came up or not).

    Version added: 0.1

    """

    def __init__(self) -> None:
        self._slots: dict[tuple[Any, ...], _Slot] = {}
        self._closed = False
        self.restarts = 0

    @classmethod
    def of(cls, system: ActorSystem) -> MCPPool:
        """The pool of ``system``, made on first request.

        The system closes it when it shuts down, after its actors stopped.

        Raises:
            SystemStopped: when the system has no pool yet and is not running.

        """
        return system.resource(cls, cls)

    def __len__(self) -> int:
        return sum(1 for slot in self._slots.values() if slot.connection is not None)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self)} servers"
        return f"<MCPPool {state} restarts={self.restarts}>"

    async def connect(self, server: MCPServer) -> MCPConnection:
        """The live session with ``server``: started now if there is none, or it was lost.

        Concurrent callers share one start. A lost session is closed (its
        process reaped) before the new one starts.

        Raises:
            ToolError: when the server cannot start (see
                :meth:`MCPConnection.start`) or the pool is closed.

        """
        slot = self._slots.get(server.key)
        if slot is not None and slot.connection is not None and slot.connection.live:
            return slot.connection
        if slot is None:
            self._check_open(server)
            slot = self._slots[server.key] = _Slot()
        async with slot.lock:
            self._check_open(server)
            connection = slot.connection
            if connection is not None and connection.lost:
                slot.connection = None
                self.restarts += 1
                logger.warning(
                    "MCP server %r exited; starting it again (restart %d of this pool)",
                    server.name,
                    self.restarts,
                )
                await connection.aclose()
            if slot.connection is None:
                slot.connection = MCPConnection(server)
            connection = slot.connection
            try:
                # A cancelled caller leaves the start to the owner task and
                # the connection in its slot: the next caller waits for it.
                await connection.start()
            except ToolError:
                if slot.connection is connection:
                    slot.connection = None
                raise
            return connection

    def listed(self, server: MCPServer) -> list[Any] | None:
        """The tools of ``server``'s live session (the list object itself), else ``None``."""
        slot = self._slots.get(server.key)
        if slot is None or slot.connection is None or not slot.connection.live:
            return None
        return slot.connection.tools

    async def call(
        self, server: MCPServer, name: str, arguments: dict[str, Any]
    ) -> tuple[str, bool]:
        """Call the tool ``name`` of ``server``; its result text and whether it failed.

        Never raises for a failure: a server that cannot be (re)started, a
        lost connection, a timeout (``server.timeout``) or the tool's own
        error come back as error text. Cancelling the caller cancels the call.
        """
        try:
            connection = await self.connect(server)
        except ToolError as exc:
            return f"MCP server {server.name!r} is not running and did not start: {exc}", True
        return await connection.call_tool(name, arguments, timeout=server.timeout)

    async def aclose(self) -> None:
        """Stop every server of the pool, concurrently; wait until they are gone.

        Shielded from cancellation; each server gets its ``timeout`` to wind
        down (see :meth:`MCPConnection.aclose`). The pool starts nothing
        afterwards (``ToolError``).
        """
        self._closed = True
        slots, self._slots = list(self._slots.values()), {}
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as tg:
                for slot in slots:
                    if slot.connection is not None:
                        tg.start_soon(slot.connection.aclose)

    def _check_open(self, server: MCPServer) -> None:
        if self._closed:
            raise ToolError(f"MCP server {server.name!r}: its pool was closed")
