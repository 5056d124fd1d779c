"""What a transport is: the interface between an actor system and the wire."""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio

from ..messages import AskTimeout
from ._deadlines import loop_deadlines

__all__ = ["Deliver", "EventSink", "Replier", "ReplySlot", "Transport"]

EventSink = Callable[[Any], Awaitable[None]]
"""An async callback that receives the events an actor emits while it handles an ask."""


class Replier(Protocol):
    """Where the reply to an ``ask`` goes (a local slot, or a reply subject).

    ``abandoned`` tells whether the asker has stopped waiting (always False
    where the transport cannot know); the actor then skips the message.
    """

    abandoned: bool

    def set_result(self, value: Any) -> bool:
        """Deliver the reply; False when nobody waits for it any more."""

    def set_exception(self, error: BaseException) -> bool:
        """Deliver an error; False when nobody waits for it any more."""

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` if the asker is cancelled before the reply (it cancels the handler)."""


class Deliver(Protocol):
    """The actor system's entry point for messages arriving from a transport."""

    async def __call__(
        self,
        name: str,
        message: Any,
        sender: str | None,
        reply: Replier | None,
        on_event: EventSink | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Put ``message`` in the mailbox of the local actor ``name`` (waits while it is full).

        ``headers`` are the message's headers (``None`` when it has none).
        """


_TIMED_OUT = object()


class ReplySlot:
    """A one-shot slot an ``ask`` waits on for its reply.

    ``abandoned`` is set when the asker stopped waiting (timeout or
    cancellation); whoever replies later learns it from ``set_result``'s
    return value and records the reply as a dead letter.

    On asyncio it waits on a bare future whose deadline shares the loop's
    one ask timer (:mod:`._deadlines`), a fraction of the cost of an anyio
    cancel scope or a timer per ask; on other backends it uses anyio.
    """

    __slots__ = ("_cancel", "_waiter", "abandoned", "deadline", "done", "error", "value")

    def __init__(self) -> None:
        self._cancel: Callable[[], None] | None = None
        self._waiter: Any = None
        self.value: Any = None
        self.error: BaseException | None = None
        self.done = False
        self.abandoned = False
        self.deadline = 0.0

    def set_result(self, value: Any) -> bool:
        """Deliver the reply; returns False when nobody waits for it any more."""
        if self.done:
            return False
        self.done = True
        self.value = value
        self._wake()
        return not self.abandoned

    def set_exception(self, error: BaseException) -> bool:
        """Deliver an error instead of a reply; returns False when nobody waits."""
        if self.done:
            return False
        self.done = True
        self.error = error
        self._wake()
        return not self.abandoned

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` if the waiting asker is cancelled before the reply arrives."""
        self._cancel = callback

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is None:
            return
        if isinstance(waiter, asyncio.Future):
            if not waiter.done():
                waiter.set_result(None)
        else:
            waiter.set()

    def _outcome(self) -> Any:
        # Handed out once: the slot may outlive the wait (in the loop's
        # deadline queue) and must not hold the reply.
        error, value = self.error, self.value
        self.error = self.value = None
        if error is not None:
            raise error
        return value

    async def wait(self, timeout: float = math.inf, *, recipient: str = "the actor") -> Any:
        """Wait up to ``timeout`` seconds for the reply and return it, or raise its error.

        Raises:
            AskTimeout: when no reply came in time; the slot is then abandoned.

        """
        if self.done:
            return self._outcome()
        loop = asyncio._get_running_loop()  # noqa: SLF001 - None (not an error) under trio
        try:
            if loop is not None:
                expired = await self._wait_asyncio(loop, timeout)
            else:
                expired = await self._wait_anyio(timeout)
        except BaseException:
            self.abandoned = True
            if self._cancel is not None and not self.done:
                self._cancel()
            raise
        finally:
            # The slot may outlive the wait (in the loop's deadline queue):
            # it must not keep the handler's cell, or the loop, alive.
            self._cancel = None
        if expired and not self.done:
            self.abandoned = True
            raise AskTimeout(f"no reply from {recipient!r} within {timeout:g} s")
        return self._outcome()

    def settled(self) -> bool:
        """Whether the asyncio wait is over (replied, failed, expired or cancelled)."""
        waiter = self._waiter
        return waiter is None or bool(waiter.done())

    def expire(self, timeout: float) -> None:
        """End the asyncio wait as timed out."""
        self._waiter.set_result(_TIMED_OUT)

    async def _wait_asyncio(self, loop: asyncio.AbstractEventLoop, timeout: float) -> bool:
        future = self._waiter = loop.create_future()
        if timeout != math.inf:
            loop_deadlines(loop).add(timeout, self)
        try:
            return await future is _TIMED_OUT
        finally:
            self._waiter = None

    async def _wait_anyio(self, timeout: float) -> bool:
        event = self._waiter = anyio.Event()
        with anyio.move_on_after(timeout) as scope:
            await event.wait()
        return scope.cancelled_caught


class Transport(ABC):
    """Moves messages between actor systems that share a namespace.

    An ``ActorSystem`` delivers to its own actors directly; it uses the
    transport for names it does not serve itself. Implementations:
    :class:`MemoryTransport` (in-process) and ``NatsTransport`` (NATS).

    Version added: 0.1
    """

    @abstractmethod
    async def start(self, namespace: str, deliver: Deliver, dead_letter: DeadLetterSink) -> None:
        """Connect and start routing inbound messages of ``namespace`` to ``deliver``."""

    @abstractmethod
    async def close(self) -> None:
        """Stop serving and disconnect; safe to call twice."""

    @abstractmethod
    async def advertise(self, name: str) -> None:
        """Start receiving messages for the local actor ``name``."""

    @abstractmethod
    async def withdraw(self, name: str) -> None:
        """Stop receiving messages for ``name``."""

    @abstractmethod
    async def tell(
        self,
        name: str,
        message: Any,
        sender: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send ``message`` to ``name`` somewhere in the namespace.

        ``headers`` (text to text, ``None`` when the message has none) must
        reach the handler: pass them to ``deliver(..., headers=)`` on the
        serving side. The system passes them only when there are some, so a
        transport without the parameter still serves messages without them.

        Raises:
            ActorNotFound: when the transport knows that nobody serves ``name``.

        """

    @abstractmethod
    async def ask(
        self,
        name: str,
        message: Any,
        sender: str | None,
        timeout: float,
        on_event: EventSink | None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send ``message`` to ``name`` and return its reply.

        ``headers``: as for :meth:`tell`.

        Raises:
            ActorNotFound: at once when nobody serves ``name``.
            AskTimeout: when no reply arrives within ``timeout`` seconds.
            ActorCrashed: when the remote handler raised.

        """


class DeadLetterSink(Protocol):
    """Records what a transport had to drop."""

    def __call__(
        self, message: Any, *, recipient: str, reason: str, sender: str | None = None
    ) -> None:
        """Record a dropped message or frame."""
