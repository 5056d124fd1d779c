"""One agent turn as data: the request that goes in, the events it emits, what comes out.

A :class:`TurnRequest` travels from the agent (``Agent.call``, its stream,
its actor) through the Kailash bridge (:mod:`.kailash._bridge`) to the
:class:`~._program.Program` that runs it, which returns a
:class:`TurnOutcome`. Nothing is written back into the request. The
agent gives its caller an :class:`AgentResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import AgentFinished, AgentStarted, Token, ToolCalled

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..events import Event, Usage
    from ._program import Prediction
    from .tools import Toolbox, ToolResult

__all__ = ["AgentResult", "TurnEvents", "TurnOutcome", "TurnRequest"]


class TurnEvents:
    """Makes a turn's events and awaits ``sink`` with each.

    Args:
        sink: awaited with every event of the turn.
        run_id: put on every event.
        agent: the agent's name, put on every event.
        seq: ``seq`` of the first event.
        in_task: ``sink`` is code that cancels no scope of the turn's own
            task (an actor's ``ctx.emit``, a stream's buffer); the turn then
            checks for cancellation more cheaply per token
            (:class:`~.kailash._runtime.CancelProbe`).
        stamped: number the events (``run_id``, ``seq`` from ``seq``); a
            stream that stamps what it hands out passes ``False``, so each
            event is stamped once.

    """

    __slots__ = ("agent", "in_task", "run_id", "seq", "sink", "token")

    def __init__(
        self,
        sink: Callable[[Event], Awaitable[None]],
        run_id: str,
        agent: str,
        seq: int = 0,
        *,
        in_task: bool = True,
        stamped: bool = True,
    ) -> None:
        self.sink = sink
        self.run_id = run_id if stamped else ""
        self.agent = agent
        self.seq = seq
        self.in_task = in_task
        self.token: Callable[[str, str], Awaitable[None]] = (
            self._stamped_token if stamped else self._token
        )
        """``await token(field, text)``: a ``Token`` of output field ``field``."""

    async def emit(self, event: Event) -> None:
        """Stamp ``event`` with the run, the agent and the next ``seq``; hand it to the sink."""
        event.run_id, event.seq, event.agent = self.run_id, self.seq, self.agent
        self.seq += 1
        await self.sink(event)

    async def started(self, round: int, inputs: dict[str, Any]) -> None:
        """``AgentStarted``."""
        await self.emit(AgentStarted(round=round, inputs=inputs))

    async def _stamped_token(self, field: str, text: str) -> None:
        event = Token(run_id=self.run_id, seq=self.seq, agent=self.agent, text=text, field=field)
        self.seq += 1
        await self.sink(event)

    async def _token(self, field: str, text: str) -> None:
        await self.sink(Token(agent=self.agent, text=text, field=field))

    async def tool(self, result: ToolResult) -> None:
        """``ToolCalled`` for a finished tool call."""
        await self.emit(
            ToolCalled(
                tool=result.tool,
                call_id=result.id,
                arguments=result.arguments,
                result=result.result,
                error=result.error,
            )
        )

    async def finished(self, round: int, output: dict[str, Any], usage: Usage) -> None:
        """``AgentFinished``."""
        await self.emit(AgentFinished(round=round, output=output, usage=usage))


class TurnRequest:
    """What one turn needs besides the inputs Kailash passes to the node.

    Attributes:
        values: the validated inputs.
        json_inputs: the same, JSON-compatible (the workflow's parameters).
        run_id: the run the turn belongs to.
        round: the round put on ``AgentStarted`` and ``AgentFinished``.
        notes: extra context appended to the prompt's user message.
        events: where the turn's events go (``None``: nowhere).
        toolbox: the toolbox whose servers the turn uses (``None``: the agent's own).

    """

    __slots__ = ("events", "json_inputs", "notes", "round", "run_id", "toolbox", "values")

    def __init__(
        self,
        values: dict[str, Any],
        json_inputs: dict[str, Any],
        *,
        run_id: str = "",
        round: int = 0,
        notes: tuple[str, ...] = (),
        events: TurnEvents | None = None,
        toolbox: Toolbox | None = None,
    ) -> None:
        self.values = values
        self.json_inputs = json_inputs
        self.run_id = run_id
        self.round = round
        self.notes = notes
        self.events = events
        self.toolbox = toolbox


class TurnOutcome:
    """What a turn produced.

    Attributes:
        values: the validated output fields, typed.
        output: the same, JSON-compatible (the node's result).
        usage: tokens, cost and model calls (retries included).
        raw: the model's last reply.
        attempts: replies until one validated.
        tool_calls: the tool calls made, in order.

    """

    __slots__ = ("attempts", "output", "raw", "tool_calls", "usage", "values")

    def __init__(
        self,
        *,
        values: dict[str, Any],
        output: dict[str, Any],
        usage: Usage,
        raw: str,
        attempts: int,
        tool_calls: tuple[ToolResult, ...],
    ) -> None:
        self.values = values
        self.output = output
        self.usage = usage
        self.raw = raw
        self.attempts = attempts
        self.tool_calls = tool_calls


class AgentResult:
    """What one agent turn produced.

    Attributes:
        output: the validated output fields (:class:`Prediction`).
        output_dict: the output fields in JSON-compatible form.
        usage: tokens, cost and model calls of the turn (retries included).
        run_id: the run the turn belonged to.
        agent: the agent's name.
        raw: the model's last reply text.
        attempts: replies the model gave until one validated (its tool
            loops inside each count once).
        tool_calls: the tool calls of the turn, in order (:class:`ToolResult`).

    Version added: 0.1

    """

    __slots__ = (
        "agent",
        "attempts",
        "output",
        "output_dict",
        "raw",
        "run_id",
        "tool_calls",
        "usage",
    )

    def __init__(
        self,
        *,
        output: Prediction,
        output_dict: dict[str, Any],
        usage: Usage,
        run_id: str,
        agent: str,
        raw: str,
        attempts: int,
        tool_calls: tuple[ToolResult, ...] = (),
    ) -> None:
        self.tool_calls = tool_calls
        self.output = output
        self.output_dict = output_dict
        self.usage = usage
        self.run_id = run_id
        self.agent = agent
        self.raw = raw
        self.attempts = attempts

    def __repr__(self) -> str:
        return f"AgentResult(agent={self.agent!r}, output={self.output!r}, usage={self.usage!r})"
