"""``ModelCall``: one model call of an agent turn, as the system's middleware sees it.

Inside an actor system an agent's model calls go through the same
middleware as its messages (``ActorSystem(middleware=[...])``), so a
tracer, a rate limiter or an audit log is one wrapper for both::

    async def limit(message, ctx, call_next):
        if isinstance(message, ka.agents.ModelCall):
            async with permits:                  # waits, cancellably
                return await call_next(message, ctx)
        return await call_next(message, ctx)

A middleware may read the call, wait before it, time it, or look at the
:class:`ModelReply` it returns; ``call_next`` runs the model (streaming its
tokens as usual). Outside an actor system (``agent.run()``) model calls are
not wrapped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...actors._middleware import WrappedCall, around, run_wrapped

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ...actors import ActorContext
    from ...actors._middleware import CallNext
    from ...events import Usage
    from ..tools import ToolCall

__all__ = ["ModelCall", "ModelReply", "around_model"]


class ModelReply:
    """What one model call gave: its text and the tool calls it asked for.

    Attributes:
        text: the reply's text.
        tool_calls: the tool calls, in order.
        usage: this call's tokens and cost (``calls == 1``).
        finish_reason: ``"tool_calls"`` when it asked for tools, else ``"stop"``.

    Version added: 0.1

    """

    __slots__ = ("finish_reason", "text", "tool_calls", "usage")

    def __init__(self, text: str, tool_calls: list[ToolCall], usage: Usage) -> None:
        self.text = text
        self.tool_calls = tool_calls
        self.usage = usage
        self.finish_reason = "tool_calls" if tool_calls else "stop"

    def __repr__(self) -> str:
        return f"ModelReply({self.text[:40]!r}, tool_calls={len(self.tool_calls)})"


class ModelCall(WrappedCall):
    """One model call of an agent's turn, passed to middleware as the message.

    Attributes:
        model: the model's name.
        agent: the agent's name.
        run_id: the run of the turn.
        messages: the chat messages sent.
        tools: the tool definitions offered (``None``: no tools).

    Version added: 0.1

    """

    __slots__ = ("agent", "messages", "model", "run_id", "tools")

    def __init__(
        self,
        *,
        model: str,
        agent: str,
        run_id: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        run: Callable[[], Awaitable[ModelReply]],
    ) -> None:
        self.model = model
        self.agent = agent
        self.run_id = run_id
        self.messages = messages
        self.tools = tools
        super().__init__(run)

    def __repr__(self) -> str:
        return f"<ModelCall {self.model} agent={self.agent!r} messages={len(self.messages)}>"


def around_model() -> tuple[CallNext, ActorContext] | None:
    """The middleware of the system whose handler runs in this task, around model calls.

    ``None`` outside a handler or in a system without middleware.
    """
    return around(run_wrapped)
