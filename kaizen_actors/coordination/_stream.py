"""``RunStream``: the events of one team run, on the shared stream engine.

``team.stream(**inputs)`` is an :class:`~kaizen_actors.events.EventStream`
whose run is ``Run.execute()``, made with the stream's sink when the stream
starts and run in the team's task group. The engine stamps ``run_id`` and a
gap-free ``seq`` as it hands events out, so the order of ``seq`` is the
order of the stream even when agents run in parallel.

Backpressure: at most ``buffer`` events (256 by default) wait in the stream.
When the reader falls behind, the next agent to emit an event waits for
room, and while it waits it stops reading its model's stream, so the
provider's stream is throttled too. Memory stays bounded: ``buffer`` events,
plus one waiting event per agent in flight. Nothing is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import EventStream, new_run_id
from ..events._stream import DEFAULT_BUFFER
from ..messages import SystemStopped

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from anyio.abc import TaskGroup

    from ._result import TeamResult
    from ._run import Run, Sink
    from ._tracker import RunTracker

__all__ = ["DEFAULT_BUFFER", "RunStream"]


class RunStream(EventStream):
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
        make_run: Callable[[str, Sink], Run],
        task_group: TaskGroup,
        buffer: int = DEFAULT_BUFFER,
        tracker: RunTracker | None = None,
    ) -> None:
        run_id = new_run_id()

        def produce(sink: Sink) -> Awaitable[TeamResult]:
            return make_run(run_id, sink).execute()

        def spawn(run: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
            try:
                task_group.start_soon(run, name=f"team {name}")
            except RuntimeError:
                raise SystemStopped("the team has stopped; use team.stream() inside it") from None

        super().__init__(
            run_id,
            produce,
            spawn=spawn,
            buffer=buffer,
            on_start=tracker.started if tracker is not None else None,
            on_end=tracker.ended if tracker is not None else None,
        )

    @property
    def result(self) -> TeamResult | None:
        """The run's result once it finished successfully."""
        result: TeamResult | None = self._producer.result
        return result
