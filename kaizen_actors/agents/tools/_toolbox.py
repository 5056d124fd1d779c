"""A :class:`Toolbox`: one owner's live set of tools (MCP servers and functions).

It starts the MCP servers on first need, lists their tools once, runs calls
(in parallel) and stops the servers in :meth:`Toolbox.aclose`.
:func:`resolve_tools` checks an agent's ``tools=``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import anyio

from ...messages import ConfigError, ToolError
from ._function import FunctionTool
from ._mcp import MCPConnection, MCPServer
from ._types import ToolCall, ToolResult, ToolSpec

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Toolbox", "resolve_tools"]

logger = logging.getLogger("kaizen_actors.tools")


def resolve_tools(tools: Iterable[Any]) -> tuple[FunctionTool | MCPServer, ...]:
    """Check an agent's ``tools=`` and wrap plain functions.

    Raises:
        ConfigError: for an entry that is neither an ``MCPServer``, a
            ``FunctionTool`` nor an ``async def`` function, or for two
            function tools of the same name (key ``"tools"``).

    """
    if isinstance(tools, (str, bytes, MCPServer)) or callable(tools):
        tools = (tools,)
    resolved: list[FunctionTool | MCPServer] = []
    names: set[str] = set()
    for tool in tools:
        if isinstance(tool, (MCPServer, FunctionTool)):
            item = tool
        elif callable(tool):
            item = FunctionTool(tool)
        else:
            raise ConfigError(
                f"tools: expected ka.MCPServer(...) or an async function, got {tool!r}",
                key="tools",
            )
        if isinstance(item, FunctionTool):
            if item.name in names:
                raise ConfigError(f"tools: two tools are named {item.name!r}", key="tools")
            names.add(item.name)
        resolved.append(item)
    return tuple(resolved)


class Toolbox:
    """One owner's live tools: MCP sessions started on first need, and functions.

    An agent owns one for ``run``/``stream``/``call``; each agent actor owns
    its own, closed when the actor stops. Sessions belong to the event loop
    that started them; used from another loop, the toolbox starts afresh.

    Version added: 0.1
    """

    def __init__(self, tools: Iterable[FunctionTool | MCPServer], *, owner: str = "") -> None:
        self.tools = tuple(tools)
        self.owner = owner
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: anyio.Lock | None = None
        self._connections: list[MCPConnection] = []
        self._specs: list[ToolSpec] | None = None
        self._routes: dict[str, FunctionTool | MCPConnection] = {}

    def __repr__(self) -> str:
        return f"<Toolbox {self.owner!r} {len(self.tools)} sources>"

    async def specs(self) -> list[ToolSpec]:
        """The tools to offer, starting and listing the MCP servers on first use.

        Raises:
            ToolError: when a server cannot start (the message names its
                command and ends with its stderr), or two tools share a name.

        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._leave_loop()
            self._loop, self._lock = loop, anyio.Lock()
        if self._specs is not None:
            return self._specs
        assert self._lock is not None
        async with self._lock:
            if self._specs is None:
                self._specs = await self._open()
        return self._specs

    def _leave_loop(self) -> None:
        """Forget the sessions of the loop used before; close them if it still runs.

        A loop that ended (a finished ``asyncio.run``, a test) cancelled their
        owner tasks at its end, which stopped the servers; one still running
        (in another thread) is asked to close them.
        """
        old_loop, connections = self._loop, self._connections
        self._connections, self._specs, self._routes = [], None, {}
        if old_loop is not None and old_loop.is_running():
            for connection in connections:
                asyncio.run_coroutine_threadsafe(connection.aclose(), old_loop)

    async def _open(self) -> list[ToolSpec]:
        connections = [MCPConnection(t) for t in self.tools if isinstance(t, MCPServer)]
        try:
            async with anyio.create_task_group() as tg:
                for connection in connections:
                    tg.start_soon(connection.start)
        except BaseException as exc:
            with anyio.CancelScope(shield=True):
                for connection in connections:
                    await connection.aclose()
            errors = _leaves(exc)
            tool_errors = [e for e in errors if isinstance(e, ToolError)]
            if tool_errors and len(tool_errors) == len(errors):
                raise tool_errors[0] from None
            raise
        self._connections = connections
        specs: list[ToolSpec] = []
        routes: dict[str, FunctionTool | MCPConnection] = {}
        sources: dict[str, str] = {}
        pending = iter(connections)
        for tool in self.tools:
            if isinstance(tool, FunctionTool):
                entries: list[tuple[ToolSpec, FunctionTool | MCPConnection]] = [(tool.spec, tool)]
                source = "function"
            else:
                connection = next(pending)
                entries = [
                    (
                        ToolSpec(t.name, t.description or "", dict(t.input_schema)),
                        connection,
                    )
                    for t in connection.tools
                ]
                source = f"MCP server {tool.name!r}"
            for spec, route in entries:
                if spec.name in routes:
                    await self.aclose()
                    raise ToolError(
                        f"two tools are named {spec.name!r} ({sources[spec.name]} and {source})"
                    )
                routes[spec.name] = route
                sources[spec.name] = source
                specs.append(spec)
        self._routes = routes
        return specs

    async def call(self, call: ToolCall) -> ToolResult:
        """Run one call; failures become error results (never raised).

        Cancelling the caller cancels the call.
        """
        route = self._routes.get(call.name)
        if call.raw_arguments is not None:
            text, failed = f"the arguments are not a JSON object: {call.raw_arguments!r}", True
        elif route is None:
            known = ", ".join(sorted(self._routes)) or "none"
            text, failed = f"unknown tool {call.name!r} (tools: {known})", True
        elif isinstance(route, FunctionTool):
            text, failed = await route.call(call.arguments)
        else:
            connection = await self._restart(route) if route.lost else route
            if isinstance(connection, str):
                text, failed = connection, True
            else:
                text, failed = await connection.call_tool(call.name, call.arguments)
        return ToolResult(
            tool=call.name,
            arguments=call.arguments,
            id=call.id,
            result=text,
            error=text if failed else None,
        )

    async def _restart(self, lost: MCPConnection) -> MCPConnection | str:
        """A new connection to the server ``lost`` was connected to, or why there is none.

        Concurrent callers share one restart. The lost connection is closed
        first (its server process reaped); when the new one cannot start, the
        next call tries again.
        """
        assert self._lock is not None
        async with self._lock:
            if lost not in self._connections:  # restarted by another call, or closed
                for connection in self._connections:
                    if connection.server is lost.server:
                        return connection
                return f"MCP server {lost.server.name!r} was closed"
            await lost.aclose()
            fresh = MCPConnection(lost.server)
            try:
                await fresh.start()
            except ToolError as exc:
                return f"MCP server {lost.server.name!r} exited and did not start again: {exc}"
            self._connections = [fresh if c is lost else c for c in self._connections]
            self._routes = {n: fresh if r is lost else r for n, r in self._routes.items()}
            logger.warning(
                "MCP server %r of %r exited; started it again", lost.server.name, self.owner
            )
            return fresh

    async def call_all(self, calls: list[ToolCall]) -> list[ToolResult]:
        """Run calls concurrently; results in the calls' order."""
        if len(calls) == 1:
            return [await self.call(calls[0])]
        results: list[ToolResult | None] = [None] * len(calls)

        async def one(index: int) -> None:
            results[index] = await self.call(calls[index])

        async with anyio.create_task_group() as tg:
            for index in range(len(calls)):
                tg.start_soon(one, index)
        return [r for r in results if r is not None]

    async def aclose(self) -> None:
        """Stop every MCP server this toolbox started; wait until they are gone.

        The next :meth:`specs` starts them again.
        """
        connections, self._connections = self._connections, []
        self._specs, self._routes = None, {}
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if not same_loop:
            return  # their loop is gone, and its end stopped them
        with anyio.CancelScope(shield=True):
            for connection in connections:
                await connection.aclose()


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
