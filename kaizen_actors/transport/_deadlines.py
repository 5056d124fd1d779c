"""Ask deadlines that share one loop timer instead of arming one each.

Asks with the same timeout expire in the order they were made, so each
distinct timeout keeps a FIFO queue and one asyncio timer serves them all,
armed for the soonest head. An ask that is answered costs no timer cancel
(the heap of loop timers, with a Python comparison per sift, was the largest
cost of an ask among many concurrent ones); answered asks leave their queue
when a newer ask of that timeout finds them at its head, or when the timer
fires, so a queue holds about the asks in flight.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio

__all__ = ["Deadlines", "Expiring", "loop_deadlines"]


class Expiring(Protocol):
    """A wait with a deadline, as :class:`Deadlines` keeps it."""

    deadline: float

    def settled(self) -> bool:
        """Whether the wait is over (answered, failed or cancelled)."""

    def expire(self, timeout: float) -> None:
        """End the wait: ``timeout`` seconds passed without an answer."""


class Deadlines:
    """Expires the waits of one event loop with a single timer.

    Args:
        loop: the loop whose clock and timer are used.

    """

    __slots__ = ("_loop", "_queues", "_timer", "_timer_at")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queues: dict[float, deque[Expiring]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def add(self, timeout: float, wait: Expiring) -> None:
        """Expire ``wait`` after ``timeout`` seconds (finite) unless it settles first."""
        deadline = wait.deadline = self._loop.time() + max(timeout, 0.0)
        queue = self._queues.get(timeout)
        if queue is None:
            queue = self._queues[timeout] = deque()
        else:
            while queue and queue[0].settled():
                queue.popleft()
        queue.append(wait)
        if self._timer is None or deadline < self._timer_at:
            self._arm(deadline)

    def __len__(self) -> int:
        """Waits queued, settled ones not yet dropped included."""
        return sum(len(queue) for queue in self._queues.values())

    def close(self) -> None:
        """Stop the timer; waits still queued no longer expire."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._queues.clear()

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self._loop.call_at(when, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now = self._loop.time()
        soonest = float("inf")
        for timeout, queue in list(self._queues.items()):
            while queue and (queue[0].settled() or queue[0].deadline <= now):
                wait = queue.popleft()
                if not wait.settled():
                    wait.expire(timeout)
            if queue:
                soonest = min(soonest, queue[0].deadline)
            else:
                del self._queues[timeout]
        if soonest != float("inf"):
            self._arm(soonest)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Deadlines] = (
    weakref.WeakKeyDictionary()
)


def loop_deadlines(loop: asyncio.AbstractEventLoop) -> Deadlines:
    """The :class:`Deadlines` shared by the in-process asks of ``loop``."""
    deadlines = _by_loop.get(loop)
    if deadlines is None:
        deadlines = _by_loop[loop] = Deadlines(loop)
    return deadlines
