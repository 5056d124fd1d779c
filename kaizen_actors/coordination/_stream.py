"""``RunStream``: the events of one team run, as an async iterator.

The stream makes its run with the stream's sink (``make_run(sink)``); the run
executes in a producer task in the team's task group and writes its events
into a bounded channel (:mod:`kaizen_actors.agents._channel`); the iterator reads them
and stamps ``run_id`` and a gap-free ``seq`` as it hands them out, so the
order of ``seq`` is the order of the stream even when agents run in parallel.
Each event object is made for this one stream (by an agent's turn, or decoded
from the wire), so it is stamped in place rather than copied.

Backpressure: at most ``buffer`` events (256 by default) wait in the stream.
When the consumer falls behind, the next agent to emit an event waits for
room, and while it waits it stops reading its model's stream, so the
provider's stream is throttled too. Memory stays bounded: ``buffer`` events,
plus one waiting event per agent in flight. Nothing is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ..agents._channel import Channel
from ..events import RunFailed
from ..messages import SystemStopped

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from anyio.abc import TaskGroup

    from ..events import Event
    from ._result import TeamResult
    from ._run import Run, Sink
    from ._tracker import RunTracker

__all__ = ["DEFAULT_BUFFER", "RunStream"]

DEFAULT_BUFFER = 256
"""Events a run's stream holds before agents wait for the consumer."""

_CLOSE_WAIT = 5.0
"""Seconds ``aclose()`` waits for the run's tasks to end after cancelling them."""


class _Producer:
    """The producer side of a run stream; holds no reference to the iterator.

    Keeping the iterator unreferenced by the producer task lets an abandoned
    iterator be garbage-collected, and its ``__del__`` cancel the run.
    """

    __slots__ = ("done", "error", "events", "result", "run", "scope", "tracker")

    def __init__(
        self, make_run: Callable[[Sink], Run], events: Channel[Event], tracker: RunTracker | None
    ) -> None:
        self.events = events
        self.run = make_run(self.sink)
        self.tracker = tracker
        self.scope = anyio.CancelScope()
        self.done = anyio.Event()
        self.result: TeamResult | None = None
        self.error: BaseException | None = None

    async def sink(self, event: Event) -> None:
        events = self.events
        if events.offer(event):
            return
        try:
            await events.put(event)
        except anyio.BrokenResourceError:
            self.scope.cancel()  # the consumer is gone: stop the run

    async def produce(self) -> None:
        # tracker.started() was called when the task was started.
        try:
            with self.scope:
                try:
                    self.result = await self.run.execute()
                except Exception as exc:  # the run's RunFailed is already in the stream
                    self.error = exc
                except anyio.get_cancelled_exc_class():
                    self._cancelled()
                    raise
        finally:
            self.events.end()
            self.done.set()
            if self.tracker is not None:
                self.tracker.ended()

    def _cancelled(self) -> None:
        # Cancelled from outside (the team exited): a consumer still reading
        # gets a last RunFailed; an abandoned stream's is simply dropped.
        event = RunFailed(
            run_id=self.run.run_id,
            reason="cancelled",
            error="the run was cancelled (its team exited)",
            error_type="Cancelled",
        )
        self.events.offer(event)


class RunStream:
    """The events of one team run (``team.stream(**inputs)``), as an async iterator.

    ``RunStarted`` comes first and ``RunFinished`` or ``RunFailed`` last;
    ``seq`` counts from 0 without gaps and ``run_id`` is the run's. The run
    starts on the first ``__anext__`` (or ``async with``). A failed run does
    not raise from the iterator: it ends with ``RunFailed``, and
    :attr:`error` holds the exception ``team.run()`` would have raised.

    Leaving early stops the run and its in-flight model calls: use
    ``async with team.stream(...) as events`` (or call :meth:`aclose`); an
    iterator abandoned with ``break`` is stopped when it is garbage-collected
    (at once on CPython), and ``await team.wait_idle()`` waits until its
    tasks have ended.

    Attributes:
        run_id: the run's id.
        result: the ``TeamResult`` once the run finished.
        error: the run's exception once it failed (``BudgetExceeded``, ``RunError``).

    Version added: 0.1

    """

    def __init__(
        self,
        make_run: Callable[[Sink], Run],
        task_group: TaskGroup,
        buffer: int = DEFAULT_BUFFER,
        tracker: RunTracker | None = None,
    ) -> None:
        self._events: Channel[Event] = Channel(buffer)
        self._producer = _Producer(make_run, self._events, tracker)
        self._tg = task_group
        self._started = False
        self._seq = 0
        self.run_id = self._producer.run.run_id

    @property
    def result(self) -> TeamResult | None:
        """The run's result once it finished successfully."""
        return self._producer.result

    @property
    def error(self) -> BaseException | None:
        """The run's exception once it failed."""
        return self._producer.error

    def _start(self) -> None:
        if not self._started:
            self._started = True
            producer = self._producer
            try:
                self._tg.start_soon(producer.produce, name=f"team run {self.run_id}")
            except RuntimeError:
                producer.events.end()
                raise SystemStopped("the team has stopped; use team.stream() inside it") from None
            if producer.tracker is not None:
                producer.tracker.started()

    def __aiter__(self) -> RunStream:
        return self

    async def __anext__(self) -> Event:
        if not self._started:
            self._start()
        events = self._events
        try:
            event = events.get_nowait() if events else await events.get()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
        seq = self._seq
        self._seq = seq + 1
        event.run_id = self.run_id
        event.seq = seq
        return event

    async def __aenter__(self) -> RunStream:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the run if it is still going and wait (up to 5 s) until its tasks ended.

        Safe to call twice, and after the run finished.
        """
        producer = self._producer
        self._events.close()
        if not self._started:
            self._started = True
            return
        producer.scope.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_WAIT):
            await producer.done.wait()

    def __del__(self) -> None:
        # An iterator abandoned without aclose(): cancel its run (sync calls only).
        producer = getattr(self, "_producer", None)
        if producer is None:
            return
        self._events.close()
        if self._started and not producer.done.is_set():
            producer.scope.cancel()
