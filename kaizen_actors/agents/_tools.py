"""Tools an agent offers its model: MCP servers and plain async functions.

``tools=`` of an :class:`~kaizen_actors.agents.Agent` takes
:class:`~kaizen_actors.agents.MCPServer` objects and ``async def`` functions
(wrapped as :class:`FunctionTool`). A :class:`Toolbox` is one owner's live
set of them: it starts the MCP servers on first need, lists their tools once,
runs calls and stops the servers in :meth:`Toolbox.aclose`.

A model asks for a tool with a :class:`ToolCall`; what the call gave back is
a :class:`ToolResult`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import typing
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ..messages import ConfigError, ToolError
from ._mcp import MCPConnection, MCPServer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

__all__ = [
    "FunctionTool",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "Toolbox",
    "resolve_tools",
]

logger = logging.getLogger("kaizen_actors.tools")


class ToolCall(msgspec.Struct, kw_only=False):
    """A model's request to call one tool.

    Script one for :class:`~kaizen_actors.agents.ScriptedModel`:
    ``ScriptedModel([ka.ToolCall("add", {"a": 2, "b": 3}), "The sum is 5."])``.

    Attributes:
        name: the tool's name.
        arguments: its arguments (a JSON object).
        id: the call's id, echoed in the ``tool`` message that answers it
            (assigned when empty).
        raw_arguments: the model's arguments text when it was not a JSON
            object (then ``arguments`` is empty and the call fails).

    Version added: 0.1

    """

    name: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)
    id: str = ""
    raw_arguments: str | None = None

    def to_message(self) -> dict[str, Any]:
        """The OpenAI-style ``tool_calls`` entry of the assistant message."""
        text = self.raw_arguments
        if text is None:
            text = json.dumps(self.arguments, ensure_ascii=False)
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": text},
        }


class ToolResult(msgspec.Struct, kw_only=True):
    """What one tool call gave back (``AgentResult.tool_calls`` lists them).

    Attributes:
        tool: the tool's name.
        arguments: the arguments it was called with.
        id: the call's id.
        result: the text the model was shown (the error text on failure).
        error: the error text when the call failed, else ``None``.

    Version added: 0.1

    """

    tool: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)
    id: str = ""
    result: str = ""
    error: str | None = None


class ToolSpec(msgspec.Struct, frozen=True):
    """A tool as offered to the model: name, description, JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]

    def to_openai(self) -> dict[str, Any]:
        """The ``tools=`` entry of an OpenAI-style (litellm) request."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class FunctionTool:
    """An ``async def`` function offered to the model as a tool.

    The arguments' JSON schema comes from the signature's type hints (through
    pydantic, so ``Annotated[int, Field(description=...)]`` works); the
    description is the docstring. The model's arguments are validated before
    the call; an invalid argument or an exception raised by the function is
    shown to the model as the tool's result. The return value is shown as
    text (a ``str`` as is, anything else as JSON).

    Args:
        fn: the coroutine function.
        name: the tool's name (default: the function's name).
        description: the tool's description (default: its docstring).

    Raises:
        ConfigError: when ``fn`` is not an ``async def`` function or takes
            ``*args``, ``**kwargs`` or positional-only parameters.

    Version added: 0.1

    """

    def __init__(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        if not inspect.iscoroutinefunction(fn):
            raise ConfigError(
                f"tools: {fn!r} is not an async def function (wrap blocking code with "
                "anyio.to_thread.run_sync inside an async function)",
                key="tools",
            )
        import pydantic

        self.fn = fn
        self.name = name or fn.__name__
        self.description = description if description is not None else inspect.getdoc(fn) or ""
        hints = typing.get_type_hints(fn, include_extras=True)
        fields: dict[str, Any] = {}
        for param in inspect.signature(fn).parameters.values():
            if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                raise ConfigError(
                    f"tools: {self.name}() parameter {param.name!r} must be a plain or "
                    "keyword parameter (no *args, **kwargs or positional-only)",
                    key="tools",
                )
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (hints.get(param.name, Any), default)
        self._arguments = pydantic.create_model(f"{self.name}_arguments", **fields)
        schema = self._arguments.model_json_schema()
        schema.pop("title", None)
        self.spec = ToolSpec(self.name, self.description, schema)

    def __repr__(self) -> str:
        return f"FunctionTool({self.name!r})"

    async def call(self, arguments: dict[str, Any]) -> tuple[str, bool]:
        """Validate ``arguments``, await the function; return ``(text, is_error)``."""
        import pydantic

        try:
            parsed = self._arguments.model_validate(arguments)
        except pydantic.ValidationError as exc:
            return f"invalid arguments for {self.name}: {_short_validation(exc)}", True
        values = {field: getattr(parsed, field) for field in type(parsed).model_fields}
        try:
            value = await self.fn(**values)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}", True
        if isinstance(value, str):
            return value, False
        return _json_adapter().dump_json(value).decode(), False


@functools.cache
def _json_adapter() -> Any:
    """One pydantic adapter for tool results (building one costs ~85 us a call)."""
    import pydantic

    return pydantic.TypeAdapter(Any)


def _short_validation(exc: Any) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error.get("loc", ())) or "arguments"
        parts.append(f"{where}: {error.get('msg')}")
    return "; ".join(parts)


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
