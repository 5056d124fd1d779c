"""A :class:`Toolbox`: one owner's live set of tools (MCP servers and functions).

It offers the tools of its MCP servers (through an :class:`~._pool.MCPPool`,
the system's or its own) and functions, runs calls (in parallel) and, when
the pool is its own, stops the servers in :meth:`Toolbox.aclose`.
:func:`resolve_tools` checks an agent's ``tools=``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import anyio

from ...messages import ConfigError, ToolError
from ._discovery import MCPCapabilities
from ._function import FunctionTool
from ._pool import MCPPool
from ._server import MCPServer
from ._types import ToolCall, ToolResult, ToolSpec

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

__all__ = ["Toolbox", "resolve_tools"]

logger = logging.getLogger("kaizen_actors.tools")


Source = FunctionTool | MCPServer | MCPCapabilities
"""What ``tools=`` holds once resolved."""


def resolve_tools(tools: Iterable[Any]) -> tuple[Source, ...]:
    """Check an agent's ``tools=`` and wrap plain functions.

    Raises:
        ConfigError: for an entry that is neither an ``MCPServer``, an
            ``MCPCapabilities``, a ``FunctionTool`` nor an ``async def``
            function, or for two function tools of the same name (key
            ``"tools"``).

    """
    if isinstance(tools, (str, bytes, MCPServer, MCPCapabilities)) or callable(tools):
        tools = (tools,)
    resolved: list[Source] = []
    names: set[str] = set()
    for tool in tools:
        if isinstance(tool, (MCPServer, FunctionTool, MCPCapabilities)):
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
    """One owner's live tools: MCP servers (through a pool) and functions.

    An agent owns one for ``run``/``stream``/``call``; an agent actor has one
    on its system's pool. The tool list is made on first use (starting the
    servers, discovering capabilities) and made again when a server's tools
    change or it was restarted. Sessions belong to the event loop that
    started them: a toolbox with its own pool, used from another loop,
    starts afresh.

    Args:
        tools: the sources, as :func:`resolve_tools` returns them.
        owner: a label for logs (the agent's name).
        pool: the :class:`MCPPool` to take sessions from (a system's, which
            the system closes); ``None``: a pool of the toolbox's own, which
            :meth:`aclose` closes.

    Version added: 0.1

    """

    def __init__(
        self, tools: Iterable[Source], *, owner: str = "", pool: MCPPool | None = None
    ) -> None:
        self.tools = tuple(tools)
        self.owner = owner
        self._shared = pool is not None
        self._pool = pool
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: anyio.Lock | None = None
        self._sources: list[FunctionTool | MCPServer] | None = None
        self._listed: list[list[Any] | None] = []
        self._specs: list[ToolSpec] | None = None
        self._routes: dict[str, FunctionTool | MCPServer] = {}

    def __repr__(self) -> str:
        return f"<Toolbox {self.owner!r} {len(self.tools)} sources>"

    async def specs(self) -> list[ToolSpec]:
        """The tools to offer, starting and listing the MCP servers when needed.

        Raises:
            ToolError: when a server cannot start (the message names its
                command and ends with its stderr), or two tools share a name.
            ConfigError: when a capability is offered by no registered
                server (key ``"mcp_capabilities"``).

        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._leave_loop()
            self._loop, self._lock = loop, anyio.Lock()
        if self._specs is not None and self._current():
            return self._specs
        assert self._lock is not None
        async with self._lock:
            if self._specs is None or not self._current():
                self._specs = await self._build()
        return self._specs

    def _current(self) -> bool:
        """Whether the tool lists the specs were made from are still the live ones."""
        servers = [s for s in self._sources or () if isinstance(s, MCPServer)]
        pool = self._pool
        return pool is not None and all(
            pool.listed(server) is listed
            for server, listed in zip(servers, self._listed, strict=True)
        )

    def _leave_loop(self) -> None:
        """Forget the sessions of the loop used before; close them if it still runs.

        A loop that ended (a finished ``asyncio.run``, a test) cancelled their
        owner tasks at its end, which stopped the servers; one still running
        (in another thread) is asked to close them. A shared pool is left to
        its system.
        """
        old_loop, pool = self._loop, self._pool
        self._sources, self._listed, self._specs, self._routes = None, [], None, {}
        if self._shared:
            return
        self._pool = None
        if pool is not None and old_loop is not None and old_loop.is_running():
            asyncio.run_coroutine_threadsafe(pool.aclose(), old_loop)

    async def _build(self) -> list[ToolSpec]:
        if self._pool is None:
            self._pool = MCPPool()
        pool = self._pool
        try:
            sources = self._sources if self._sources is not None else await self._resolve(pool)
            servers = [s for s in sources if isinstance(s, MCPServer)]
            listed: list[list[Any] | None] = [None] * len(servers)

            async def list_one(index: int) -> None:
                listed[index] = (await pool.connect(servers[index])).tools

            async with anyio.create_task_group() as tg:
                for index in range(len(servers)):
                    tg.start_soon(list_one, index)
            specs = self._index(sources, listed)
        except BaseException as exc:
            self._sources, self._listed, self._specs, self._routes = None, [], None, {}
            if not self._shared:
                self._pool = None
                with anyio.CancelScope(shield=True):
                    await pool.aclose()
            errors = _leaves(exc)
            known = [e for e in errors if isinstance(e, (ToolError, ConfigError))]
            if known and len(known) == len(errors):
                raise known[0] from None
            raise
        self._sources, self._listed = sources, listed
        return specs

    async def _resolve(self, pool: MCPPool) -> list[FunctionTool | MCPServer]:
        """The sources with capabilities replaced by the servers that offer them (each key once)."""
        sources: list[FunctionTool | MCPServer] = []
        keys: set[tuple[Any, ...]] = set()
        for tool in self.tools:
            found = await tool.discover(pool) if isinstance(tool, MCPCapabilities) else [tool]
            for source in found:
                if isinstance(source, MCPServer):
                    if source.key in keys:
                        continue
                    keys.add(source.key)
                sources.append(source)
        return sources

    def _index(
        self, sources: list[FunctionTool | MCPServer], listed: list[list[Any] | None]
    ) -> list[ToolSpec]:
        """The specs of ``sources`` (the servers' tools as ``listed``, in order); sets the routes.

        Raises:
            ToolError: when two tools share a name.

        """
        specs: list[ToolSpec] = []
        routes: dict[str, FunctionTool | MCPServer] = {}
        origins: dict[str, str] = {}
        server_tools = iter(listed)
        for source in sources:
            if isinstance(source, FunctionTool):
                entries = [source.spec]
                origin = "function"
            else:
                entries = [
                    ToolSpec(t.name, t.description or "", dict(t.input_schema))
                    for t in next(server_tools) or ()
                ]
                origin = f"MCP server {source.name!r}"
            for spec in entries:
                if spec.name in routes:
                    raise ToolError(
                        f"two tools are named {spec.name!r} ({origins[spec.name]} and {origin})"
                    )
                routes[spec.name] = source
                origins[spec.name] = origin
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
            assert self._pool is not None  # routes go with the pool they were listed on
            text, failed = await self._pool.call(route, call.name, call.arguments)
        return ToolResult(
            tool=call.name,
            arguments=call.arguments,
            id=call.id,
            result=text,
            error=text if failed else None,
        )

    async def call_all(
        self,
        calls: list[ToolCall],
        call: Callable[[ToolCall], Awaitable[ToolResult]] | None = None,
    ) -> list[ToolResult]:
        """Run calls concurrently; results in the calls' order.

        ``call`` runs one (:meth:`call` by default; the agent passes it
        through the system's middleware).
        """
        run = self.call if call is None else call
        if len(calls) == 1:
            return [await run(calls[0])]
        results: list[ToolResult | None] = [None] * len(calls)

        async def one(index: int) -> None:
            results[index] = await run(calls[index])

        async with anyio.create_task_group() as tg:
            for index in range(len(calls)):
                tg.start_soon(one, index)
        return [r for r in results if r is not None]

    async def aclose(self) -> None:
        """Stop the MCP servers of this toolbox's own pool; wait until they are gone.

        A shared pool (a system's) is left running. The next :meth:`specs`
        makes the tool list again (starting the servers again).
        """
        self._sources, self._listed, self._specs, self._routes = None, [], None, {}
        if self._shared:
            return
        pool, self._pool = self._pool, None
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if pool is None or not same_loop:
            return  # none started, or their loop is gone and its end stopped them
        await pool.aclose()


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
