"""Flow control of an ask's events over NATS: the asker grants credit, the handler waits for it.

In-process, ``ctx.emit`` waits while the asker's consumer is busy, so a slow
consumer slows the model stream and memory stays bounded. Over NATS a publish
does not wait for the far side, so the serving side keeps at most ``window``
events of an ask in flight beyond those the asker has handed to its
``on_event``. Each event frame carries, as its reply subject, where the asker
sends credit: the count of events it has consumed, every
:data:`CREDIT_EVERY` events. An asker that stops waiting (timeout, cancel)
grants unlimited credit, so a handler is never stuck on an asker that left.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

import anyio

from ..messages import TransportError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CREDIT_EVERY", "DEFAULT_WINDOW", "CreditGrant", "EventFlow"]

CREDIT_EVERY = 8
"""The asker reports what it consumed after this many events."""

DEFAULT_WINDOW = 64
"""Events of one ask the serving side may have in flight (at least ``CREDIT_EVERY``)."""

UNLIMITED = b"*"


class EventFlow:
    """The serving side of one ask's event stream: waits for credit before each event."""

    __slots__ = ("consumed", "credit_subject", "sent", "timeout", "waiter", "window")

    def __init__(self, credit_subject: str, window: int, timeout: float) -> None:
        self.credit_subject = credit_subject
        self.window = window
        self.timeout = timeout
        self.sent = 0
        self.consumed: float = 0
        self.waiter: asyncio.Future[None] | None = None

    def credit(self, data: bytes) -> None:
        """Take a credit message: the asker's consumed count, or unlimited."""
        if data == UNLIMITED:
            self.consumed = math.inf
        else:
            try:
                self.consumed = max(self.consumed, int(data))
            except ValueError:
                return
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def acquire(self) -> None:
        """Wait until one more event may be sent.

        Raises:
            TransportError: when the asker granted no credit for ``timeout`` seconds.

        """
        while self.sent - self.consumed >= self.window:
            waiter = self.waiter = asyncio.get_running_loop().create_future()
            with anyio.move_on_after(self.timeout) as scope:
                await waiter
            if scope.cancelled_caught:
                raise TransportError(
                    f"the asker took none of this ask's events for {self.timeout:g} s; "
                    "it is gone or stuck"
                )
        self.sent += 1


class CreditGrant:
    """The asking side of one ask's event stream: reports what the consumer took."""

    __slots__ = ("consumed", "reported", "subject")

    def __init__(self) -> None:
        self.subject = ""
        self.consumed = 0
        self.reported = 0

    def took_one(self, send: Callable[[str, bytes], None]) -> None:
        """Count an event handed to ``on_event``; report every :data:`CREDIT_EVERY`."""
        self.consumed += 1
        if self.subject and self.consumed - self.reported >= CREDIT_EVERY:
            self.reported = self.consumed
            send(self.subject, str(self.consumed).encode())

    def release(self, send: Callable[[str, bytes], None]) -> None:
        """The asker stopped waiting: let the handler send freely."""
        if self.subject:
            send(self.subject, UNLIMITED)
