"""``EventStream``: the events of one run, as an async iterator (agent and team streams alike).

The run is a producer that awaits a sink with each event. It starts with
the stream (``async with``, or the first ``__anext__``) in a task of its own
and writes into a bounded channel (:mod:`._channel`); the iterator hands the
events out and stamps ``run_id`` and a gap-free ``seq`` once, as it does,
so ``seq`` is the stream's order even when agents run in parallel. Each
event object is made for one stream, so it is stamped in place.

Backpressure: at most ``buffer`` events wait; then the producer's next
event waits for the reader (and an agent stops reading its model meanwhile).

One failure behaviour: a run that fails ends its stream with ``RunFailed``
and then the stream's :attr:`~EventStream.error` holds the exception; a
stream made with ``raise_error=True`` (``agent.stream()``: one turn, whose
failure is the caller's, as ``agent.run`` raises it) raises it too after
``RunFailed``; a team's stream does not (``team.run`` raises it). A run
cancelled from outside ends with ``RunFailed(reason="cancelled")``.

Leaving early (``aclose()``, ``async with``, cancelling a reader that waits,
or dropping an abandoned stream) cancels the run; the stream is over then,
and reading it again ends at once. The producer holds no reference to the
stream, so an abandoned stream is garbage-collected, and its ``__del__``
cancels the run.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import anyio
from anyio.lowlevel import checkpoint

from ._channel import Channel
from ._types import RunFailed

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from types import TracebackType

    from ._types import Event

__all__ = ["DEFAULT_BUFFER", "EventStream"]

DEFAULT_BUFFER = 256
"""Events a stream holds before its producer waits for the reader."""

_CLOSE_WAIT = 5.0
"""Seconds ``aclose()`` waits for the run to end after cancelling it."""

_NOWAIT_RUN = 32
"""Buffered events handed out in a row without a loop iteration (then one checkpoint)."""


class _Producer:
    """The producing side of a stream; holds no reference to the iterator."""

    __slots__ = ("agent", "done", "error", "events", "on_end", "result", "run_id", "scope")

    def __init__(
        self, run_id: str, agent: str | None, buffer: int, on_end: Callable[[], None] | None
    ) -> None:
        self.run_id = run_id
        self.agent = agent
        self.events: Channel[Event] = Channel(buffer)
        self.on_end = on_end
        self.scope = anyio.CancelScope()
        self.done = anyio.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    async def sink(self, event: Event) -> None:
        """Buffer one event (waiting while the buffer is full)."""
        events = self.events
        if events.offer(event):
            return
        try:
            await events.put(event)
        except anyio.BrokenResourceError:
            self.scope.cancel()  # the reader is gone: stop the run

    async def run(self, produce: Callable[[], Awaitable[Any]]) -> None:
        try:
            with self.scope:
                try:
                    self.result = await produce()
                except Exception as exc:  # the run's RunFailed is in the stream already
                    self.error = exc
                except anyio.get_cancelled_exc_class():
                    # Cancelled from outside (its team exited): a reader still
                    # reading gets a last RunFailed; an abandoned stream's is dropped.
                    self._last(reason="cancelled", error="the run was cancelled", kind="Cancelled")
                    raise
                except BaseException as exc:  # KeyboardInterrupt, SystemExit: passed on
                    self.error = exc
                    self._last(reason="error", error=str(exc), kind=type(exc).__name__)
                    raise
        finally:
            self.finished()

    def finished(self) -> None:
        """The run is over (or never started): end the buffer and tell who waits."""
        if self.done.is_set():
            return
        self.events.end()
        self.done.set()
        if self.on_end is not None:
            self.on_end()

    def _last(self, *, reason: str, error: str, kind: str) -> None:
        event = RunFailed(
            run_id=self.run_id, agent=self.agent, reason=reason, error=error, error_type=kind
        )
        self.events.force(event)  # the last event goes in even when the buffer is full


class EventStream:
    """The events of one run: ``RunStarted`` first, ``RunFinished`` or ``RunFailed`` last.

    Args:
        run_id: the run's id, stamped on every event.
        produce: the run: awaited in the stream's task once the stream
            starts; it awaits :attr:`sink` with each event and returns the
            result (or raises, after its ``RunFailed``).
        spawn: starts the stream's task (a task group's ``start_soon``);
            ``None`` makes a plain asyncio task.
        agent: the agent of the run's ``RunFailed`` if it is cancelled.
        buffer: events held before the producer waits for the reader.
        raise_error: raise the run's exception after ``RunFailed``.
        prepare: awaited once before the run starts (an agent loading kailash).
        on_start: called when the run starts; ``on_end`` when it ended.

    Attributes:
        run_id: the run's id.

    Version added: 0.1

    """

    def __init__(
        self,
        run_id: str,
        produce: Callable[[Callable[[Event], Awaitable[None]]], Awaitable[Any]],
        *,
        spawn: Callable[[Callable[[], Coroutine[Any, Any, None]], str], None] | None = None,
        agent: str | None = None,
        buffer: int = DEFAULT_BUFFER,
        raise_error: bool = False,
        prepare: Callable[[], Awaitable[None]] | None = None,
        on_start: Callable[[], None] | None = None,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.run_id = run_id
        self._producer = producer = _Producer(run_id, agent, buffer, on_end)
        self._produce = produce
        self._spawn = spawn
        self._raise_error = raise_error
        self._prepare = prepare
        self._on_start = on_start
        self._started = False
        self._closed = False
        self._seq = 0
        self._nowait = 0
        self._task: asyncio.Task[None] | None = None
        self.sink = producer.sink
        """Where the run puts its events (what ``produce`` is given)."""

    @property
    def result(self) -> Any:
        """The run's result once it finished successfully."""
        return self._producer.result

    @property
    def error(self) -> BaseException | None:
        """The run's exception once it failed."""
        return self._producer.error

    async def _start(self) -> None:
        self._started = True
        producer, produce = self._producer, self._produce
        try:
            if self._prepare is not None:
                await self._prepare()
        except BaseException:  # the run never starts: the stream is over
            self._closed = True
            producer.finished()
            raise
        sink = self.sink

        async def run() -> None:
            await producer.run(lambda: produce(sink))

        if self._spawn is None:
            task = self._task = asyncio.get_running_loop().create_task(run())  # kept while we are
            task.add_done_callback(_retrieved)  # its error is the stream's ``error``
        else:
            try:
                self._spawn(run, f"run {self.run_id}")
            except BaseException:  # e.g. its task group has ended: the stream is over
                self._closed = True
                producer.finished()
                raise
        if self._on_start is not None:
            self._on_start()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        if self._closed:
            raise StopAsyncIteration
        if not self._started:
            await self._start()
        events = self._producer.events
        try:
            if events and self._nowait < _NOWAIT_RUN:
                self._nowait += 1
                event = events.get_nowait()
            else:
                if events:
                    await checkpoint()  # a turn for other tasks every so often
                self._nowait = 0
                event = await events.get()
        except anyio.EndOfStream:
            await self._finish()
            raise StopAsyncIteration from None
        except anyio.get_cancelled_exc_class():
            self._stop()
            raise
        seq = self._seq
        self._seq = seq + 1
        event.run_id = self.run_id
        event.seq = seq
        return event

    async def _finish(self) -> None:
        self._closed = True
        producer = self._producer
        producer.events.close()
        with anyio.CancelScope(shield=True):
            await producer.done.wait()
        if self._raise_error:
            error, producer.error = producer.error, None
            if error is not None:
                raise error

    def cancel(self) -> None:
        """Cancel the run but keep the stream: it ends with ``RunFailed(reason="cancelled")``.

        A surface that relays the stream (``kaizen_actors.web``) cancels a
        run this way and still reads its last event. Does nothing once the
        run has ended or before it started.
        """
        if self._started and not self._producer.done.is_set():
            self._producer.scope.cancel()

    def _stop(self) -> None:
        self._closed = True
        self._producer.events.close()
        if self._started and not self._producer.done.is_set():
            self._producer.scope.cancel()

    async def __aenter__(self) -> EventStream:
        if not self._started:
            await self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the run if it is still going and wait (up to 5 s) until it ended.

        Safe to call twice, and after the run finished.
        """
        self._stop()
        if self._started:
            with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_WAIT):
                await self._producer.done.wait()

    def __del__(self) -> None:
        # Abandoned without aclose(): cancel its run (synchronous calls only).
        if getattr(self, "_producer", None) is not None:
            self._stop()


def _retrieved(task: asyncio.Task[None]) -> None:
    """Mark the run task's exception retrieved: the stream reports it (``error``)."""
    if not task.cancelled():
        task.exception()
