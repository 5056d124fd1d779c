"""``ToolInvocation``: one tool call of an agent turn, as the system's middleware sees it.

Like :class:`~kaizen_actors.agents.ModelCall`, a tool call made by an agent
in an actor system goes through the system's middleware, so a tracer or an
audit log sees it begin and end::

    async def timed(message, ctx, call_next):
        if isinstance(message, ka.agents.ToolInvocation):
            started = time.perf_counter()
            result = await call_next(message, ctx)     # a ka.ToolResult
            print(message.tool, time.perf_counter() - started, result.error)
            return result
        return await call_next(message, ctx)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...actors._middleware import WrappedCall, around, run_wrapped

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._types import ToolCall, ToolResult

__all__ = ["ToolInvocation", "invoke_tools"]


class ToolInvocation(WrappedCall):
    """One tool call of an agent's turn, passed to middleware as the message.

    ``call_next`` runs the tool and returns its
    :class:`~kaizen_actors.agents.ToolResult` (a failed tool gives a result
    with ``error`` set; it does not raise).

    Attributes:
        tool: the tool's name.
        arguments: its arguments.
        id: the call's id.
        agent: the agent's name.
        run_id: the run of the turn.

    Version added: 0.1

    """

    __slots__ = ("agent", "arguments", "id", "run_id", "tool")

    def __init__(
        self, call: ToolCall, *, agent: str, run_id: str, run: Callable[[], Awaitable[ToolResult]]
    ) -> None:
        self.tool = call.name
        self.arguments: dict[str, Any] = call.arguments
        self.id = call.id
        self.agent = agent
        self.run_id = run_id
        super().__init__(run)

    def __repr__(self) -> str:
        return f"<ToolInvocation {self.tool} agent={self.agent!r} id={self.id!r}>"


def invoke_tools(
    agent: str, run_id: str, run: Callable[[ToolCall], Awaitable[ToolResult]]
) -> Callable[[ToolCall], Awaitable[ToolResult]]:
    """``run`` itself, or ``run`` through the middleware of the system whose handler runs here."""
    wrapped = around(run_wrapped)
    if wrapped is None:
        return run
    chain, ctx = wrapped

    def invoke(call: ToolCall) -> Awaitable[ToolResult]:
        invocation = ToolInvocation(call, agent=agent, run_id=run_id, run=lambda: run(call))
        return chain(invocation, ctx)

    return invoke
