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

The runs' lifetimes are :class:`~._hub.RunHub`'s.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
import msgspec

from ..events import RunFailed, RunFinished
from ..events._types import AnyEvent
from ._errors import WebError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from ..events import Event

__all__ = ["Entry", "WebRun", "decode_frame", "frame_data", "sse_frame"]

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
