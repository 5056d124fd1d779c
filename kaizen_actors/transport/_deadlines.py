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

import asyncio
import math
import weakref
from collections import deque
from typing import Protocol

__all__ = ["Deadlines", "Expiring", "loop_deadlines"]

_PRUNE_MIN = 1024
"""Adds between two prunes at least (see :meth:`Deadlines._prune`)."""


class Expiring(Protocol):
    """A wait with a deadline, as :class:`Deadlines` keeps it."""

    deadline: float

    def settled(self) -> bool:
        """Whether the wait is over (answered, failed or cancelled)."""

    def expire(self, timeout: float) -> None:
        """End the wait: ``timeout`` seconds passed without an answer."""


class Deadlines:
    """Expires the waits of one event loop with a single timer.

    It holds no reference to its loop (the loop's timer refers to it, not the
    other way round), so a per-loop registry keyed weakly by the loop lets
    the loop go when it is closed and dropped.
    """

    __slots__ = ("_budget", "_queues", "_timer_at")

    def __init__(self) -> None:
        self._queues: dict[float, deque[Expiring]] = {}
        self._timer_at = math.inf
        self._budget = _PRUNE_MIN

    def add(self, timeout: float, wait: Expiring) -> None:
        """Expire ``wait`` after ``timeout`` seconds (finite) unless it settles first."""
        loop = asyncio.get_running_loop()
        deadline = wait.deadline = loop.time() + max(timeout, 0.0)
        queue = self._queues.get(timeout)
        if queue is None:
            queue = self._queues[timeout] = deque()
        else:
            while queue and queue[0].settled():
                queue.popleft()
        queue.append(wait)
        if deadline < self._timer_at:
            self._arm(loop, deadline)
        self._budget -= 1
        if not self._budget:
            self._prune()

    def _prune(self) -> None:
        # Settled waits behind an unsettled one, and queues of timeouts used
        # once, would stay until their deadlines: drop them every so often,
        # as rarely as keeps the work per add constant and the memory within
        # twice what is waiting.
        for timeout, queue in list(self._queues.items()):
            waiting = deque(wait for wait in queue if not wait.settled())
            if waiting:
                self._queues[timeout] = waiting
            else:
                del self._queues[timeout]
        self._budget = max(_PRUNE_MIN, len(self))

    def __len__(self) -> int:
        """Waits queued, settled ones not yet dropped included."""
        return sum(len(queue) for queue in self._queues.values())

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        # A timer armed for a later time is not cancelled (that would mean
        # keeping its handle, and with it the loop): it fires and, no longer
        # the one awaited, returns.
        self._timer_at = when
        loop.call_at(when, self._expire, when)

    def _expire(self, when: float) -> None:
        if when != self._timer_at:
            return
        self._timer_at = math.inf
        loop = asyncio.get_running_loop()
        now = max(loop.time(), when)  # the loop may run a timer a clock tick early
        try:
            for timeout, queue in list(self._queues.items()):
                while queue and (queue[0].settled() or queue[0].deadline <= now):
                    wait = queue.popleft()
                    if not wait.settled():
                        wait.expire(timeout)
                if not queue:
                    del self._queues[timeout]
        finally:
            soonest = min((q[0].deadline for q in self._queues.values() if q), default=math.inf)
            if soonest != math.inf:
                self._arm(loop, soonest)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Deadlines] = (
    weakref.WeakKeyDictionary()
)


def loop_deadlines(loop: asyncio.AbstractEventLoop) -> Deadlines:
    """The :class:`Deadlines` shared by the asks of ``loop`` (in process and over NATS)."""
    deadlines = _by_loop.get(loop)
    if deadlines is None:
        deadlines = _by_loop[loop] = Deadlines()
    return deadlines
