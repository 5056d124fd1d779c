"""``AgentActor``: an agent inside an ``ActorSystem``, serving ``AgentTask``s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actors import Actor
from ._tasks import AgentInfo, AgentReply, AgentTask, Describe, FieldInfo
from .tools import MCPPool

if TYPE_CHECKING:
    from ._agent import Agent
    from .tools import Toolbox

__all__ = ["AgentActor"]


class AgentActor(Actor):
    """Serves one ``AgentTask`` at a time for its :class:`Agent`.

    While a turn runs its events (``AgentStarted``, ``Token``...,
    ``AgentFinished``, ``seq`` from 0 within the turn) go to ``ctx.emit``,
    that is to the ``on_event`` callback of the ``ask``. Cancelling the
    ``ask`` stops the model stream (and the tool calls in flight).

    The agent's MCP servers come from its system's :class:`MCPPool`: one
    process per server for all the agents of the system, started on the
    first task that needs it, stopped when the system shuts down (not when
    one actor stops or restarts).

    Raises:
        TypeError: (from the handler) for a message that is not an ``AgentTask``.
        SignatureError, OutputParseError, ModelError: from the turn; the
            asker gets ``ActorCrashed`` naming them.

    Version added: 0.1

    """

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.toolbox: Toolbox | None = None

    async def on_start(self, ctx: Any) -> None:
        """Take the agent's tools on the system's MCP pool (nothing starts yet)."""
        if self.agent.tools:
            self.toolbox = self.agent.toolbox(pool=MCPPool.of(ctx.system))

    async def receive(self, message: Any, ctx: Any) -> Any:
        """Run the task's turn and reply with an :class:`AgentReply` (``Describe``: its info)."""
        if not isinstance(message, AgentTask):
            if isinstance(message, Describe):
                return self.describe()
            raise TypeError(
                f"agent {self.agent.name!r} serves AgentTask and Describe messages, "
                f"got {type(message).__name__}"
            )
        result = await self.agent.call(
            message.inputs,
            on_event=ctx.event_sink,  # the asker's listener itself, or None: no events made
            run_id=message.run_id or None,
            round=message.round,
            notes=message.notes,
            toolbox=self.toolbox,
            in_task=True,  # ctx.emit hands events to the asker, in another task
            numbered=message.numbered,
        )
        return AgentReply(
            agent=self.agent.name,
            run_id=result.run_id,
            output=result.output_dict,
            usage=result.usage,
            raw=result.raw,
        )

    def describe(self) -> AgentInfo:
        """The agent's signature as an :class:`AgentInfo`."""
        signature = self.agent.signature

        def fields(specs: dict[str, Any]) -> list[FieldInfo]:
            return [
                FieldInfo(name=f.name, type=f.type_label(), desc=f.desc, required=f.required)
                for f in specs.values()
            ]

        return AgentInfo(
            agent=self.agent.name,
            inputs=fields(signature.input_fields()),
            outputs=fields(signature.output_fields()),
        )
