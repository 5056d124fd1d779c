"""``AgentStream``: the events of one agent turn, on the shared stream engine.

``agent.stream(**inputs)`` is an :class:`~kaizen_actors.events.EventStream`
whose run is one turn: ``RunStarted``, the turn's events, then
``RunFinished`` or ``RunFailed`` (after which the error is raised, as
``agent.run`` raises it). The turn runs in an asyncio task of its own
(Kailash is asyncio-only).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ..events import EventStream, RunFailed, RunFinished, RunStarted, new_run_id
from ..messages import error_type_name
from ._turn import TurnEvents
from .kailash._runtime import admit

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..events import Event
    from ._agent import Agent
    from ._turn import AgentResult

__all__ = ["AgentStream"]


async def _one_turn(
    agent: Agent,
    values: dict[str, Any],
    run_id: str,
    sink: Callable[[Event], Awaitable[None]],
) -> AgentResult:
    events = TurnEvents(sink, run_id, agent.name, in_task=True, stamped=False)  # the stream stamps
    request = agent.request(values, run_id=run_id, events=events)
    await sink(RunStarted(agent=agent.name, inputs=request.json_inputs))
    try:
        result = await agent.run_turn(request, admitted=True)
    except Exception as exc:
        await sink(RunFailed(agent=agent.name, error=str(exc), error_type=error_type_name(exc)))
        raise
    await sink(RunFinished(agent=agent.name, output=result.output_dict, usage=result.usage))
    return result


async def _ready(agent: Agent) -> None:
    await agent.prepare()  # before admit(): the start gate spreads the first turns
    await admit()


class AgentStream(EventStream):
    """The events of one agent turn, as an async iterator.

    ``RunStarted``, ``AgentStarted``, the ``Token``s, ``AgentFinished`` and
    ``RunFinished`` (or ``RunFailed``, after which the error is raised),
    ``seq`` 0, 1, 2... The turn starts with the first ``__anext__`` (or
    ``async with``); events wait in a buffer of ``buffer`` events (then the
    turn waits for the reader). ``aclose()``, leaving ``async with``,
    cancelling a reader that waits, or dropping the stream cancels the turn;
    the stream is over then (see :class:`~kaizen_actors.events.EventStream`).

    Attributes:
        run_id: the turn's run id.
        result: the :class:`AgentResult` once the turn finished.

    Version added: 0.1

    """

    def __init__(self, agent: Agent, values: dict[str, Any], *, buffer: int = 1024) -> None:
        run_id = new_run_id()
        super().__init__(
            run_id,
            partial(_one_turn, agent, values, run_id),
            agent=agent.name,
            buffer=buffer,
            raise_error=True,
            prepare=partial(_ready, agent),
        )
        self.agent = agent

    @property
    def result(self) -> AgentResult | None:
        """The turn's result once it finished successfully."""
        result: AgentResult | None = self._producer.result
        return result
