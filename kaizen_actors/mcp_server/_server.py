"""The MCP server of served teams: one tool per team, progress, cancellation, error results.

Built on the ``mcp`` package's low-level ``Server`` rather than its
decorator front end (``MCPServer``/FastMCP): FastMCP derives a tool's
schemas from a Python function's parameters and validates arguments with
them, while a team's tool takes its schemas from a signature known only at
run time (or learnt from a remote agent), and its arguments must be checked
by that signature so a bad call reads exactly as ``SignatureError`` says.
The low-level handlers (``tools/list``, ``tools/call``) give that control.

A call runs ``team.stream(**inputs)`` inside the request's handler. The SDK
runs each request in a cancel scope of its own and cancels it on the
client's ``notifications/cancelled`` (or, on the 2026 HTTP wire, when the
client closes the response stream); the cancellation leaves
``async with team.stream()``, which stops the run and its model calls.
"""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
)

from ..events import RunFailed, RunFinished, Token
from ..messages import KaizenError, SignatureError
from ..web._served import ServedTeam, resolve_served
from ._schema import render_output, team_schemas, tool_description

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from mcp.server.context import ServerRequestContext

    from ..transport import Transport
    from ..web._served import Served

__all__ = ["TeamServer", "as_served_teams", "serve_stdio"]

SERVER_NAME = "kaizen-actors"


def as_served_teams(served: Served | Mapping[str, ServedTeam]) -> dict[str, ServedTeam]:
    """The served teams by name: ``served`` as given when it already is ``{name: ServedTeam}``.

    Raises:
        ConfigError: for anything but a ``Team``, an ``Agent``, or a
            non-empty dict of them or of ``ServedTeam`` objects.

    """
    if (
        isinstance(served, dict)
        and served
        and all(isinstance(v, ServedTeam) for v in served.values())
    ):
        return dict(served)
    return resolve_served(served)


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


class TeamServer:
    """An MCP server with one tool per served team (the ``mcp`` package's low-level ``Server``).

    ::

        mcp = TeamServer({"debate": ka.team(*solvers, pattern=ka.Debate())})
        async with mcp.running():
            ...  # mcp.server.run(read, write, mcp.server.create_initialization_options())

    Each team is a tool named after it; its input schema is the entry
    agent's signature inputs (with their descriptions), its output schema
    the signature's outputs. A call answers the run's output fields as
    structured content plus their JSON as text; with a progress token, each
    streamed token is a progress notification ``"<agent>: <text>"`` whose
    progress counts the tokens so far. Arguments the signature rejects, and
    runs that fail, answer a tool error result (``isError``) with the error's
    text; the server goes on serving.

    The teams must be running while calls come: :meth:`running` enters
    those that are not (the web app enters its own). :func:`serve_stdio`
    is the whole stdio server; ``/mcp`` on the web app serves it over
    streamable HTTP.

    Args:
        served: a ``Team``, an ``Agent``, a dict ``{name: Team | Agent}``, or
            the ``{name: ServedTeam}`` of a surface that runs them already.
        name: the server's name in its ``serverInfo``.
        learn_timeout: seconds to wait for a remote entry agent's fields
            when tools are listed.

    Attributes:
        teams: the served teams by name.
        server: the ``mcp`` low-level ``Server``.

    Raises:
        ConfigError: for a bad served object.

    Version added: 0.1

    """

    def __init__(
        self,
        served: Served | Mapping[str, ServedTeam],
        *,
        name: str = SERVER_NAME,
        learn_timeout: float = 1.0,
    ) -> None:
        from .. import __version__

        self.teams = as_served_teams(served)
        self.learn_timeout = learn_timeout
        self._tools: dict[str, Tool] = {}
        self.server: Server[Any] = Server(
            name,
            version=__version__,
            instructions="Each tool runs a team of kaizen-actors agents; "
            "send a progress token to watch its tokens stream.",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )

    def __repr__(self) -> str:
        return f"<TeamServer {list(self.teams)}>"

    @asynccontextmanager
    async def running(
        self, *, transport: Transport | str | None = None, namespace: str = "kaizen"
    ) -> AsyncIterator[None]:
        """Enter the teams that are not running yet; leave them (and only them) on exit.

        With ``transport`` the teams made without a system share one
        ``ActorSystem`` on it (a ``nats://`` URL reaches agents served by
        name in that namespace), as on the web app.
        """
        from ..actors import ActorSystem

        async with AsyncExitStack() as stack:
            shared = None
            if transport is not None:
                shared = await stack.enter_async_context(ActorSystem(namespace, transport))
            for served in self.teams.values():
                team = served.team
                if team.running:
                    continue
                if shared is not None and team.system is None and not team.middleware:
                    team.use_system(shared)
                await stack.enter_async_context(team)
            yield

    async def tools(self) -> list[Tool]:
        """The tool of each served team (remote entry agents are asked for their fields first)."""
        unknown = [s for s in self.teams.values() if not s.known]
        if unknown:
            async with anyio.create_task_group() as tg:
                for served in unknown:
                    tg.start_soon(served.learn, self.learn_timeout)
        return [self._tool(served) for served in self.teams.values()]

    def _tool(self, served: ServedTeam) -> Tool:
        tool = self._tools.get(served.name)
        if tool is None:
            input_schema, output_schema = team_schemas(served)
            tool = Tool(
                name=served.name,
                description=tool_description(served),
                input_schema=input_schema,
                output_schema=output_schema,
            )
            if served.known:  # a remote agent not known yet is asked again next time
                self._tools[served.name] = tool
        return tool

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=await self.tools())

    async def _call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        served = self.teams.get(params.name)
        if served is None:  # a protocol error, as the spec has it for an unknown tool
            known = ", ".join(self.teams)
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {params.name!r} (tools: {known})")
        try:
            inputs = served.validate(params.arguments or {})
        except SignatureError as exc:
            return _error(f"SignatureError: {exc}")
        try:
            return await self._run(ctx, served, inputs)
        except KaizenError as exc:  # the team is not running: a tool error, not a crash
            return _error(f"{type(exc).__name__}: {exc}")

    async def _run(
        self,
        ctx: ServerRequestContext[Any, Any],
        served: ServedTeam,
        inputs: dict[str, Any],
    ) -> CallToolResult:
        tokens = 0
        last = None
        async with served.team.stream(**inputs) as events:
            async for event in events:
                if isinstance(event, Token) and event.text:
                    tokens += 1  # reported only when the client sent a progress token
                    message = f"{event.agent}: {event.text}"
                    await ctx.session.report_progress(tokens, None, message)
                last = event
        if isinstance(last, RunFinished):
            output = msgspec.to_builtins(last.output)
            return CallToolResult(
                content=[TextContent(type="text", text=render_output(output))],
                structured_content=output,
            )
        assert isinstance(last, RunFailed)  # a run's stream ends with one or the other
        kind = last.error_type or "RunFailed"
        return _error(f"run {last.reason}: {kind}: {last.error or last.reason}")


async def serve_stdio(
    served: Served | Mapping[str, ServedTeam] | TeamServer,
    *,
    transport: Transport | str | None = None,
    namespace: str = "kaizen",
) -> None:
    """Serve the teams over MCP on this process's stdin and stdout until stdin closes.

    Only protocol frames reach stdout: while serving, the ``mcp`` package
    points file descriptor 1 at stderr (so ``print`` and stray output of
    libraries miss the wire) and 0 at the null device. The teams that are not
    running are entered once the streams are claimed, and left at the end.

    Args:
        served: what :class:`TeamServer` takes, or a ``TeamServer``.
        transport: the teams' shared system's transport (see :meth:`TeamServer.running`).
        namespace: that system's name.

    Version added: 0.1

    """
    from mcp.server.stdio import stdio_server

    mcp = served if isinstance(served, TeamServer) else TeamServer(served)
    async with (
        stdio_server() as (read, write),
        mcp.running(transport=transport, namespace=namespace),
    ):
        await mcp.server.run(read, write, mcp.server.create_initialization_options())
