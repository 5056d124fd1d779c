"""``MCPConnection``: one live session with an :class:`~._server.MCPServer`.

The ``mcp`` package's client keeps anyio task groups open for the whole
session, and those must be entered and exited by one task; so a connection
runs its session in an *owner task* of its own (an asyncio task with an
empty context), started by :meth:`MCPConnection.start` from whichever task
first needs the tools and ended by :meth:`MCPConnection.aclose` from any
task. Calls (``call_tool``) go through the session from the caller's
task; cancelling the caller abandons the request (the client sends the server
a cancel notification).

A connection keeps the server's tool list (:attr:`MCPConnection.tools`,
fetched when it starts) and fetches it again when the server says it changed:
``notifications/tools/list_changed``, which a handshake-era server sends on
its own and a 2026-07-28 server sends on the ``subscriptions/listen`` stream
the connection opens when the server offers it. The owner task fetches the
new list and swaps it in.

Shutting a stdio session down closes the server's stdin, waits up to 2 s,
then kills its process group (the ``mcp`` client's policy); ``aclose``
returns once the process is reaped. If nobody calls ``aclose``, the owner
task ends when its event loop cancels its remaining tasks (``asyncio.run``
does), which stops the server too.

The server's stderr goes to a temporary file; when the server cannot start,
the :class:`~kaizen_actors.ToolError` shows its last lines (and the command,
never the environment).

``mcp`` is imported when the first connection starts.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import tempfile
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from ...messages import ToolError

if TYPE_CHECKING:
    from ._server import MCPServer

__all__ = ["MCPConnection", "import_mcp"]

logger = logging.getLogger("kaizen_actors.tools")

_STDERR_TAIL = 2000


def import_mcp() -> Any:
    """Import the ``mcp`` package.

    Raises:
        ToolError: when it is not installed (with the install hint).

    """
    try:
        import mcp
        import mcp.client.stdio
    except ImportError as exc:
        raise ToolError("MCP tools need the mcp package, version 2: pip install 'mcp>=2'") from exc
    if not hasattr(mcp, "Client"):
        raise ToolError("MCP tools need mcp version 2 (mcp.Client): pip install -U 'mcp>=2'")
    return mcp


class MCPConnection:
    """One live session with an :class:`MCPServer`, run by an owner task."""

    def __init__(self, server: MCPServer) -> None:
        self.server = server
        self.tools: list[Any] = []
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready = anyio.Event()
        self._closing = anyio.Event()
        self._error: BaseException | None = None
        self._errlog: Any = None
        self._changed = anyio.Event()
        self.lost = False
        """Whether the server went away (its connection closed) while in use."""

    def __repr__(self) -> str:
        state = "lost" if self.lost else "live" if self._client is not None else "idle"
        return f"<MCPConnection {self.server.name!r} {state}>"

    @property
    def live(self) -> bool:
        """Whether the session is open and its server has not gone away."""
        return self._client is not None and not self.lost

    async def start(self) -> None:
        """Start the server, open the session and list its tools (once).

        Concurrent callers share one start. Waiting is bounded by the
        server's ``timeout``.

        Raises:
            ToolError: when the server cannot start, does not answer in time,
                or the ``mcp`` package is missing; the message names the
                command and ends with the server's last stderr lines.

        """
        if self._task is None:
            await anyio.to_thread.run_sync(import_mcp)  # the first import takes ~0.5 s
            if self._closing.is_set():
                raise ToolError(f"MCP server {self.server.name!r} was closed")
            loop = asyncio.get_running_loop()
            # An empty context: the owner must not keep the starting turn's
            # context variables (its turn request) alive for the whole session.
            self._task = loop.create_task(
                self._own(), name=f"kaizen mcp {self.server.name}", context=contextvars.Context()
            )
        await self._ready.wait()
        if self._client is None:
            error = self._error
            if error is None:
                error = ToolError(f"MCP server {self.server.name!r} was closed while starting")
            raise error

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - also the client's read timeout
    ) -> tuple[str, bool]:
        """Call one tool; return its result text and whether it is an error.

        A protocol error, a lost connection or a call past ``timeout``
        (default: the server's) come back as error text too, for the model to
        see. A closed connection (the server exited) also sets :attr:`lost`,
        so that its owner restarts it.
        """
        client = self._client
        if client is None or self.lost:
            return f"MCP server {self.server.name!r} is not running", True
        timeout = self.server.timeout if timeout is None else timeout
        try:
            with anyio.fail_after(timeout):
                result = await client.call_tool(name, arguments, read_timeout_seconds=timeout)
        except TimeoutError:
            return f"tool {name!r} timed out after {timeout:g} s", True
        except Exception as exc:
            if getattr(exc, "code", None) == _connection_closed():
                self.lost = True
                return (
                    f"tool {name!r} failed: MCP server {self.server.name!r} exited "
                    "(its connection closed); it is started again for the next call",
                    True,
                )
            return f"tool {name!r} failed: {_describe_error(exc)}", True
        return result_text(result), bool(getattr(result, "is_error", False))

    async def aclose(self) -> None:
        """Close the session and stop the server; wait until it is gone.

        Safe to call more than once, from any task, and while starting.
        """
        self._closing.set()
        task = self._task
        if task is not None and not task.done():
            if not self._ready.is_set():
                task.cancel()  # still starting: there is no session to wind down
            with anyio.move_on_after(self.server.timeout, shield=True) as scope:
                await asyncio.wait([task])
            if scope.cancelled_caught:  # the session would not wind down: cut it
                task.cancel()
                with anyio.move_on_after(2.0, shield=True):
                    await asyncio.wait([task])

    async def _own(self) -> None:
        mcp = import_mcp()
        server = self.server
        try:
            with anyio.CancelScope() as scope:
                scope.deadline = anyio.current_time() + server.timeout
                if server.url is not None:
                    transport: Any = server.url
                else:
                    from mcp.client.stdio import StdioServerParameters, stdio_client

                    self._errlog = await anyio.to_thread.run_sync(tempfile.TemporaryFile, "w+")
                    params = StdioServerParameters(
                        command=str(server.command),
                        args=list(server.args),
                        env=server.env,
                        cwd=None if server.cwd is None else str(server.cwd),
                    )
                    transport = stdio_client(params, errlog=self._errlog)
                async with (
                    mcp.Client(
                        transport,
                        read_timeout_seconds=server.timeout,
                        message_handler=self._on_message,
                    ) as client,
                    anyio.create_task_group() as tg,
                ):
                    tools = client.server_capabilities.tools
                    if tools is not None and tools.list_changed:
                        await tg.start(self._listen, client)  # before listing: no change missed
                    self.tools = await _list_all(client)
                    scope.deadline = float("inf")
                    self._client = client
                    self._ready.set()
                    tg.start_soon(self._refresh, client)
                    await self._closing.wait()
                    tg.cancel_scope.cancel()
            if not self._ready.is_set():
                self._error = ToolError(
                    await self._failure(f"did not start within {server.timeout:g} s")
                )
        except Exception as exc:
            if not self._ready.is_set():
                error = ToolError(await self._failure(f"cannot start: {_describe_error(exc)}"))
                error.__cause__ = exc
                self._error = error
        finally:
            if self._client is not None and not self._closing.is_set():
                self.lost = True  # the session ended by itself: the server went away
            self._client = None
            self._ready.set()
            errlog, self._errlog = self._errlog, None
            if errlog is not None:
                errlog.close()

    async def _on_message(self, message: Any) -> None:
        """The session's message handler: note a change of the tool list."""
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            self._changed.set()

    async def _listen(self, client: Any, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        """Ask a 2026-07-28 server for tool-list changes (older ones send them unasked)."""
        started = False
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                task_status.started()
                started = True
                async for _event in subscription:
                    self._changed.set()
        except Exception as exc:  # an older protocol, or the stream ended with the session
            logger.debug("MCP server %r: no tools/list_changed stream: %r", self.server.name, exc)
        if not started:
            task_status.started()

    async def _refresh(self, client: Any) -> None:
        """Fetch the tool list again after each change notification."""
        while True:
            await self._changed.wait()
            self._changed = anyio.Event()
            try:
                with anyio.fail_after(self.server.timeout):
                    tools = await _list_all(client)
            except Exception as exc:
                logger.warning(
                    "MCP server %r: listing its changed tools failed: %s",
                    self.server.name,
                    _describe_error(exc),
                )
                continue
            self.tools = tools
            logger.debug("MCP server %r: its tools changed (%d now)", self.server.name, len(tools))

    async def _failure(self, what: str) -> str:
        message = f"MCP server {self.server.name!r} ({self.server.describe()}) {what}"
        tail = await self._stderr_tail()
        return f"{message}\nstderr:\n{tail}" if tail else message

    async def _stderr_tail(self) -> str:
        errlog = self._errlog
        if errlog is None or errlog.closed:
            return ""

        def read() -> str:
            errlog.seek(0, os.SEEK_END)
            size = errlog.tell()
            errlog.seek(max(0, size - _STDERR_TAIL))
            tail: str = errlog.read()
            return tail

        try:
            text = await anyio.to_thread.run_sync(read)
        except (OSError, ValueError):
            return ""
        return text.strip()


def _connection_closed() -> int:
    """The JSON-RPC error code mcp gives calls on a closed connection."""
    from mcp_types import CONNECTION_CLOSED

    return int(CONNECTION_CLOSED)


async def _list_all(client: Any) -> list[Any]:
    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(100):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


def _describe_error(exc: BaseException | None) -> str:
    if exc is None:
        return "the session ended"
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe_error(e) for e in exc.exceptions)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def result_text(result: Any) -> str:
    """The text a model sees for an MCP ``CallToolResult``.

    Text blocks are joined by newlines; other blocks are summarised; with no
    content, the structured content as JSON.
    """
    parts: list[str] = []
    for block in getattr(result, "content", None) or ():
        text = getattr(block, "text", None)
        if isinstance(text, str):
            parts.append(text)
            continue
        resource = getattr(block, "resource", None)
        resource_text = getattr(resource, "text", None)
        if isinstance(resource_text, str):
            parts.append(resource_text)
            continue
        mime = getattr(block, "mime_type", None) or getattr(resource, "mime_type", None)
        parts.append(f"[{getattr(block, 'type', 'content')}{f' {mime}' if mime else ''}]")
    if not parts and getattr(result, "structured_content", None) is not None:
        import json

        return json.dumps(result.structured_content, ensure_ascii=False, default=str)
    return "\n".join(parts)
