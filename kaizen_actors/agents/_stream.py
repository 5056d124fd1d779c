"""``AgentStream``: the events of one agent turn, as an async iterator.

The turn runs in a producer task (an asyncio task: Kailash is asyncio-only)
that fills a bounded channel; the iterator hands the events out.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import anyio
from anyio.lowlevel import checkpoint

from ..events import RunFailed, RunFinished, RunStarted, new_run_id
from ..messages import error_type_name
from ._channel import Channel
from ._turn import TurnEvents
from .kailash._runtime import admit

if TYPE_CHECKING:
    from ..events import Event
    from ._agent import Agent, AgentResult

__all__ = ["AgentStream"]


_NOWAIT_RUN = 32


class _TurnProducer:
    """The producing side of an :class:`AgentStream`: runs the turn, fills the channel.

    It holds no reference to the stream, so an abandoned stream is freed at
    once (reference counting), and its ``__del__`` cancels the turn.
    """

    __slots__ = ("agent", "count", "error", "events", "result", "run_id", "values")

    def __init__(self, agent: Agent, values: dict[str, Any], run_id: str, buffer: int) -> None:
        self.agent = agent
        self.values = values
        self.run_id = run_id
        self.events: Channel[Event] = Channel(buffer)
        self.count = 0
        self.result: AgentResult | None = None
        self.error: BaseException | None = None

    async def put(self, event: Event) -> None:
        self.count += 1
        if not self.events.offer(event):
            await self.events.put(event)

    async def produce(self) -> None:
        agent, run_id = self.agent, self.run_id
        try:
            try:
                events = TurnEvents(self.put, run_id, agent.name, 1, in_task=True)
                request = agent.request(self.values, run_id=run_id, events=events)
                started = RunStarted(
                    run_id=run_id, seq=0, agent=agent.name, inputs=request.json_inputs
                )
                await self.put(started)
                last: Event
                try:
                    result = await agent.run_turn(request, admitted=True)
                except Exception as exc:
                    self.error = exc
                    last = RunFailed(error=str(exc), error_type=error_type_name(exc))
                else:
                    self.result = result
                    last = RunFinished(output=result.output_dict, usage=result.usage)
                last.run_id, last.seq, last.agent = run_id, self.count, agent.name
                await self.put(last)
            finally:
                self.events.end()
        except anyio.BrokenResourceError:
            pass  # the consumer went away


class AgentStream:
    """The events of one agent turn, as an async iterator.

    The turn runs in a task of its own, started by the first ``__anext__``;
    events wait in a buffer of ``buffer`` events (then the turn waits for the
    consumer). ``aclose()``, leaving ``async with``, or cancelling the consumer
    while it waits cancels the turn; so does garbage collection of an
    abandoned stream. After ``aclose()`` the stream is over: iterating it
    again ends at once.

    Attributes:
        run_id: the turn's run id.
        result: the :class:`AgentResult` once the turn finished.

    Version added: 0.1

    """

    def __init__(self, agent: Agent, values: dict[str, Any], *, buffer: int = 1024) -> None:
        self.agent = agent
        self.run_id = new_run_id()
        self._producer = _TurnProducer(agent, values, self.run_id, buffer)
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._nowait = 0

    @property
    def result(self) -> AgentResult | None:
        """The turn's result once it finished successfully."""
        return self._producer.result

    def __aiter__(self) -> AgentStream:
        return self

    async def __aenter__(self) -> AgentStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        task = getattr(self, "_task", None)
        if task is not None and not task.done():
            task.cancel()

    async def __anext__(self) -> Event:
        if self._closed:
            raise StopAsyncIteration
        producer = self._producer
        if self._task is None:
            await self.agent.prepare()  # before admit(): the gate spreads the first runs
            await admit()
            # Kailash is asyncio-only, so the producer is an asyncio task; it
            # is cancelled and awaited by aclose().
            self._task = asyncio.get_running_loop().create_task(producer.produce())
        events = producer.events
        try:
            # Buffered events are taken without a loop iteration each (a
            # checkpoint per event would halve throughput); yield every so often.
            if events:
                if self._nowait < _NOWAIT_RUN:
                    self._nowait += 1
                    return events.get_nowait()
                await checkpoint()
            self._nowait = 0
            return await events.get()
        except anyio.EndOfStream:
            await self._finish()
            raise StopAsyncIteration from None
        except anyio.get_cancelled_exc_class():
            self._task.cancel()
            raise

    async def _finish(self) -> None:
        # The turn ended: raise its error (once), if it had one.
        self._closed = True
        self._producer.events.close()
        task = self._task
        assert task is not None
        await asyncio.wait([task])
        if task.cancelled():
            return
        crash = task.exception()
        if crash is not None:
            raise crash
        error, self._producer.error = self._producer.error, None
        if error is not None:
            raise error from None

    async def aclose(self) -> None:
        """Stop the turn (if it still runs) and wait until it stopped."""
        self._closed = True
        self._producer.events.close()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait([task])
