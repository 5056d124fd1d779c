"""``RunHub``: the runs of one web app, started, read into their buffers, and forgotten.

A run not started ``detached`` is cancelled when nobody has watched it for
``disconnect_grace`` seconds (so a reload or a dropped connection that
comes back in time resumes it), or when no client connects within
``start_timeout`` seconds of its start. A finished run stays readable
(status, replay, timeline) for ``keep_finished`` seconds, then is
forgotten; at most ``max_runs`` runs are held, the oldest finished ones
forgotten first to make room.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import anyio

from ..messages import SystemStopped
from ._errors import WebError
from ._runs import WebRun

if TYPE_CHECKING:
    from types import TracebackType

    from anyio.abc import TaskGroup

    from ..coordination import RunStream
    from ._served import ServedTeam

__all__ = ["RunHub"]


class RunHub:
    """The runs of one web app: starts them, holds them for replay, forgets them.

    Use it with ``async with`` (the app's lifespan does): leaving cancels
    the runs still going.

    Args:
        replay: events kept per run for resuming and late clients.
        keep_finished: seconds a run stays readable after it ended.
        max_runs: runs held at once (running and finished).
        disconnect_grace: seconds a run that is not detached goes on with
            nobody watching before it is cancelled.
        start_timeout: seconds a new run that is not detached waits for its
            first client before it is cancelled.

    Attributes:
        counts: runs started, and ended by state (``finished``, ``failed``, ``cancelled``).
        events: events received from all runs.

    Version added: 0.1

    """

    def __init__(
        self,
        *,
        replay: int = 10_000,
        keep_finished: float = 300.0,
        max_runs: int = 1_000,
        disconnect_grace: float = 5.0,
        start_timeout: float = 30.0,
    ) -> None:
        self.replay = replay
        self.keep_finished = keep_finished
        self.max_runs = max_runs
        self.disconnect_grace = disconnect_grace
        self.start_timeout = start_timeout
        self.counts = dict.fromkeys(("started", "finished", "failed", "cancelled"), 0)
        self.events = 0
        self._runs: OrderedDict[str, WebRun] = OrderedDict()
        self._streams: dict[str, RunStream] = {}
        self._dropped_forgotten = 0
        self._tg: TaskGroup | None = None

    async def __aenter__(self) -> RunHub:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tg, self._tg = self._tg, None
        assert tg is not None
        tg.cancel_scope.cancel()
        await tg.__aexit__(None, None, None)

    @property
    def runs(self) -> list[WebRun]:
        """The runs held now, oldest first."""
        return list(self._runs.values())

    def start(
        self, served: ServedTeam, inputs: dict[str, Any], *, detached: bool = False
    ) -> WebRun:
        """Start a run of ``served`` with checked ``inputs``; its task reads it from now on.

        Raises:
            WebError: 503 when ``max_runs`` runs are running, or the app or
                the team is not running.

        """
        if self._tg is None:
            raise WebError(503, "Unavailable", "the web app is not running")
        self._make_room()
        try:
            stream = served.team.stream(**inputs)
        except SystemStopped as exc:
            raise WebError(503, "Unavailable", f"team {served.name!r}: {exc}") from None
        run = WebRun(stream.run_id, served.name, inputs, detached=detached, replay=self.replay)
        self._runs[run.run_id] = run
        self.counts["started"] += 1
        self._tg.start_soon(self._live, run, stream, name=f"web run {run.run_id}")
        return run

    def get(self, run_id: str) -> WebRun:
        """The run ``run_id``.

        Raises:
            WebError: 404 when no run of that id is held (never started, or forgotten).

        """
        run = self._runs.get(run_id)
        if run is None:
            raise WebError(
                404, "NotFound", f"no run {run_id!r} (unknown, or finished and forgotten)"
            )
        return run

    def _make_room(self) -> None:
        while len(self._runs) >= self.max_runs:
            oldest = next((r for r in self._runs.values() if r.ended.is_set()), None)
            if oldest is None:
                raise WebError(
                    503,
                    "TooManyRuns",
                    f"{self.max_runs} runs are going on; try again when one has finished",
                )
            self._forget(oldest)

    def _forget(self, run: WebRun) -> None:
        if self._runs.get(run.run_id) is run:
            del self._runs[run.run_id]
            self._dropped_forgotten += run.dropped_clients

    @property
    def dropped_clients(self) -> int:
        """Streams ended because their client fell behind a run's replay buffer, ever."""
        return self._dropped_forgotten + sum(r.dropped_clients for r in self._runs.values())

    def cancel(self, run_id: str) -> WebRun:
        """Cancel a run (its stream ends with ``RunFailed(reason="cancelled")``).

        Raises:
            WebError: 404 for an unknown run.

        """
        run = self.get(run_id)
        stream = self._streams.get(run_id)
        if stream is not None:
            stream.cancel()
        return run

    async def _live(self, run: WebRun, stream: RunStream) -> None:
        await self._pump(run, stream)
        run_id = run.run_id
        del run, stream  # while it lingers, only the hub holds the run (_make_room may drop it)
        await anyio.sleep(self.keep_finished)
        held = self._runs.get(run_id)
        if held is not None:
            self._forget(held)

    async def _pump(self, run: WebRun, stream: RunStream) -> None:
        """Read the run's stream into its buffer until it ends (or the watchdog cancels it)."""
        self._streams[run.run_id] = stream
        try:
            async with anyio.create_task_group() as tg:
                if not run.detached:
                    tg.start_soon(self._watchdog, run, stream)
                error: Exception | None = None
                try:
                    async with stream:
                        async for event in stream:
                            self.events += 1
                            run.append(event)
                except Exception as exc:  # it could not start (its team stopped): it alone fails
                    error = exc
                except anyio.get_cancelled_exc_class():  # the app is stopping
                    run.close(cancelled=True)
                    raise
                finally:
                    run.close(error)
                    self.counts[run.state] = self.counts.get(run.state, 0) + 1
                    tg.cancel_scope.cancel()
        finally:
            del self._streams[run.run_id]

    async def _watchdog(self, run: WebRun, stream: RunStream) -> None:
        """Cancel the run when nobody watches it long enough."""
        grace = self.start_timeout
        while True:
            if run.watchers:
                grace = self.disconnect_grace  # someone watched: the start timeout is over
                await run.wait_watchers_changed()
                continue
            with anyio.move_on_after(grace):
                while not run.watchers:
                    await run.wait_watchers_changed()
            if not run.watchers:
                stream.cancel()
                return
            grace = self.disconnect_grace
