"""The runs a web app holds: replay buffers, SSE frames made once, watchers and lifetimes.

Each run started through the app (``POST /runs``, ``POST /agui/<team>``) is
one ``team.stream()`` read by one task of the :class:`RunHub`, whatever the
clients do. Every event is encoded once, as the SSE frame all clients are
sent, and kept in the run's replay buffer (the last ``replay`` events), so:

- a run keeps only its frames (an event is read back from its frame when
  needed, :func:`decode_frame`), so memory per run is bounded by the replay
  buffer (trimmed in batches: at most ``replay + max(64, replay // 4)``
  frames), however many clients watch and however slow they are;
- the run never waits for a client: a client reads the buffer at its own
  pace, and its socket's backpressure slows its own stream only; a client
  that falls further behind than the buffer holds has its stream ended
  (counted in ``dropped_clients``) and gets 410 when it resumes;
- a client resumes after ``seq`` ``n`` by reading the buffer from ``n+1``:
  no gap, no duplicate.

A run not started ``detached`` is cancelled when nobody has watched it for
``disconnect_grace`` seconds (so a reload or a dropped connection that
comes back in time resumes it), or when no client connects within
``start_timeout`` seconds of its start. A finished run stays readable
(status, replay, timeline) for ``keep_finished`` seconds, then is
forgotten; at most ``max_runs`` runs are held, the oldest finished ones
forgotten first to make room.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
import msgspec

from ..events import RunFailed, RunFinished
from ..events._types import AnyEvent
from ..messages import SystemStopped
from ._errors import WebError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator
    from types import TracebackType

    from anyio.abc import TaskGroup

    from ..coordination import RunStream
    from ..events import Event
    from ._served import ServedTeam

__all__ = ["Entry", "RunHub", "WebRun", "decode_frame", "frame_data", "sse_frame"]

_encode = msgspec.json.Encoder().encode


class Entry(NamedTuple):
    """One event of a run, read back from its frame (:func:`decode_frame`).

    Attributes:
        event: the event.
        time: seconds from the run's start to the event.

    """

    event: Event
    time: float


def sse_frame(event: Event, seconds: float) -> bytes:
    """The SSE frame of ``event``: its JSON as ``ka.events`` encodes it, plus ``time``."""
    data = _encode(event)
    return b'id: %d\nevent: %s\ndata: %s,"time":%.4f}\n\n' % (
        event.seq,
        type(event).__name__.encode(),
        data[:-1],
        seconds,
    )


def frame_data(frame: bytes) -> bytes:
    """The ``data`` of an SSE frame made by :func:`sse_frame`: the event's JSON with ``time``."""
    return frame[frame.index(b"data: ") + 6 : -2]


def decode_frame(frame: bytes) -> Entry:
    """The event and time an SSE frame made by :func:`sse_frame` holds."""
    data = frame_data(frame)
    timed = _decode_time(data)
    return Entry(_decode_event(data), timed.time)


class _Timed(msgspec.Struct):
    time: float = 0.0


_decode_event = msgspec.json.Decoder(AnyEvent).decode
_decode_time = msgspec.json.Decoder(_Timed).decode


class WebRun:
    """One run held by the app: its status, its replay buffer and who watches it.

    Attributes:
        run_id: the run's id (its events' ``run_id``).
        team: the name of the served team.
        inputs: the run's inputs.
        detached: whether the run goes on with nobody watching.
        state: ``"running"``, ``"finished"``, ``"failed"`` or ``"cancelled"``.
        output: the final output fields once finished.
        usage: the run's usage (``Usage`` as a dict) once it ended.
        error: ``{"type", "reason", "message"}`` once it failed or was cancelled.
        created: when it started (seconds since the epoch).
        watchers: how many clients are reading its events now.
        dropped_clients: clients whose stream was ended for falling behind the buffer.

    Version added: 0.1

    """

    def __init__(
        self, run_id: str, team: str, inputs: dict[str, Any], *, detached: bool, replay: int
    ) -> None:
        self.run_id = run_id
        self.team = team
        self.inputs = inputs
        self.detached = detached
        self.state = "running"
        self.output: dict[str, Any] | None = None
        self.usage: dict[str, Any] | None = None
        self.error: dict[str, str] | None = None
        self.created = time.time()
        self.watchers = 0
        self.dropped_clients = 0
        self.ended = anyio.Event()
        self._start = time.monotonic()
        self._replay = replay
        self._frames: list[bytes] = []
        self._base = 0  # seq of _frames[0]
        self._next = 0  # seq of the next event
        self._changed = anyio.Event()
        self._watch_changed = anyio.Event()

    # -- the producing side (the hub's task) ---------------------------------------------

    def append(self, event: Event) -> None:
        """Keep one event (encoding its frame once) and wake the clients."""
        seconds = time.monotonic() - self._start
        self._frames.append(sse_frame(event, seconds))
        self._next = event.seq + 1
        extra = len(self._frames) - self._replay
        if extra > max(64, self._replay // 4):  # trim in batches: amortised O(1)
            del self._frames[:extra]
            self._base += extra
        if isinstance(event, RunFinished):
            self.state, self.output = "finished", event.output
            self.usage = msgspec.to_builtins(event.usage)
            self.ended.set()
        elif isinstance(event, RunFailed):
            self.state = "cancelled" if event.reason == "cancelled" else "failed"
            self.error = {"type": event.error_type, "reason": event.reason, "message": event.error}
            self.ended.set()
        self._wake()

    def close(self, error: BaseException | None = None, *, cancelled: bool = False) -> None:
        """The run's stream is over: settle a run that ended without its last event.

        ``error`` is what stopped the stream itself (a run that could not
        start); ``cancelled``: the app stopped it (shutting down).
        """
        if self.state == "running" and cancelled:
            self.state = "cancelled"
            self.error = {"type": "Cancelled", "reason": "cancelled", "message": "the app stopped"}
        elif self.state == "running":
            self.state = "failed"
            kind, message = "RunError", "the run ended without its last event"
            if error is not None:
                kind, message = type(error).__name__, str(error)
            self.error = {"type": kind, "reason": "error", "message": message}
        self.ended.set()
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, anyio.Event()
        changed.set()

    # -- the reading side (clients) -------------------------------------------------------

    @property
    def first_seq(self) -> int:
        """The oldest ``seq`` still in the replay buffer."""
        return max(self._base, self._next - self._replay)

    @property
    def next_seq(self) -> int:
        """The ``seq`` the next event will have (the number of events so far)."""
        return self._next

    def frames(self, start: int = 0) -> list[bytes]:
        """The SSE frames from ``seq`` ``start`` still in the replay buffer."""
        return self._frames[max(start, self.first_seq) - self._base :]

    def check_start(self, start: int) -> None:
        """Check that a client can read from ``seq`` ``start``.

        Raises:
            WebError: 410 when ``start`` is no longer in the replay buffer,
                400 when it is past the run's events so far.

        """
        if start < self.first_seq:
            raise WebError(
                410,
                "Gone",
                f"run {self.run_id}: events before seq {self.first_seq} are no longer kept "
                f"(asked from {start}); read GET /runs/{self.run_id} for its status",
            )
        if start > self._next:
            raise WebError(
                400,
                "BadRequest",
                f"run {self.run_id} has {self._next} events so far; cannot resume after seq "
                f"{start - 1}",
            )

    def over_for(self, start: int) -> bool:
        """Whether a client resuming at ``seq`` ``start`` has seen every event of an ended run."""
        return self.ended.is_set() and start == self._next

    async def follow(
        self, start: int = 0, keepalive: float = 15.0
    ) -> AsyncGenerator[list[bytes], None]:
        """The run's SSE frames from ``seq`` ``start``, in batches, until its last event.

        Counts the reader as a watcher while it reads. An empty batch comes
        after ``keepalive`` seconds without events (for a keep-alive frame).
        A reader that falls behind the replay buffer is ended early.

        Raises:
            WebError: as :meth:`check_start`.

        """
        self.check_start(start)
        self._watch(+1)
        try:
            pos = start
            while True:
                if pos < self.first_seq:
                    self.dropped_clients += 1
                    return
                if pos < self._next:
                    batch = self._frames[pos - self._base :]
                    pos = self._next
                    yield batch
                    continue
                if self.ended.is_set():
                    return
                changed = self._changed
                with anyio.move_on_after(keepalive) as waited:
                    await changed.wait()
                if waited.cancelled_caught:
                    yield []
        finally:
            self._watch(-1)

    def _watch(self, delta: int) -> None:
        self.watchers += delta
        changed, self._watch_changed = self._watch_changed, anyio.Event()
        changed.set()

    async def wait_watchers_changed(self) -> None:
        """Wait until a client starts or stops watching."""
        await self._watch_changed.wait()

    def status(self) -> dict[str, Any]:
        """The run as ``GET /runs/<id>`` answers it."""
        return {
            "run_id": self.run_id,
            "team": self.team,
            "state": self.state,
            "detached": self.detached,
            "events": self._next,
            "first_seq": self.first_seq,
            "output": self.output,
            "usage": self.usage,
            "error": self.error,
            "created": self.created,
        }

    def __repr__(self) -> str:
        return f"<WebRun {self.run_id} {self.team!r} {self.state} events={self._next}>"


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
