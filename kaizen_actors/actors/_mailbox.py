"""A bounded FIFO mailbox with a wait-free fast path and fair, one-at-a-time waiting senders."""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import anyio

from ..messages import ConfigError

__all__ = ["DEFAULT_MAILBOX_SIZE", "Mailbox"]

T = TypeVar("T")

DEFAULT_MAILBOX_SIZE = 1000
"""Messages a mailbox holds before ``tell`` waits (and ``tell_nowait`` raises)."""


class _Sender(Generic[T]):
    """A sender in line for room, with the item it brings (and its wake-up, if it waits)."""

    __slots__ = ("event", "gone", "item")

    def __init__(self, item: T, event: anyio.Event | None) -> None:
        self.item = item
        self.event = event
        self.gone = False


class Mailbox(Generic[T]):
    """A bounded queue: appending to ``items`` below ``size`` and ``get_nowait`` never yield.

    Senders that find it full wait in a FIFO queue. Each slot the receiver
    frees goes to the first waiting sender: its item is moved into the
    mailbox and that one sender is woken (a hand-off, as trio's and anyio's
    memory channels do), so a full mailbox costs one wake-up per message,
    and nobody overtakes a waiting sender (while anyone waits, the mailbox
    is full: each freed slot is filled at once). A sender that waits on
    something else anyway (an ask, on its reply) joins the line with
    :meth:`put_later` and is not woken at all. Nothing waits for messages here:
    the actor cell runs a drain task only while the mailbox holds something.
    """

    __slots__ = ("items", "size", "waiting")

    def __init__(self, size: int = DEFAULT_MAILBOX_SIZE) -> None:
        if size < 1:
            raise ConfigError(f"mailbox_size must be at least 1, got {size}", key="mailbox_size")
        self.size = size
        self.items: deque[T] = deque()
        self.waiting: deque[_Sender[T]] | None = None
        """Senders waiting for room, oldest first (cancelled ones are skipped); made on
        first need, as most mailboxes never fill (an idle actor stays small)."""

    def __len__(self) -> int:
        return len(self.items)

    async def put(self, item: T) -> None:
        """Append ``item``, waiting in line while the mailbox is full.

        A sender cancelled while it waits leaves the line without its item
        being queued; one cancelled after its item was moved in still raises
        the cancellation, and the item stays queued.
        """
        if len(self.items) < self.size:
            self.items.append(item)
            return
        event = anyio.Event()
        sender = _Sender(item, event)
        self._line().append(sender)
        try:
            await event.wait()
        except BaseException:
            sender.gone = True
            raise

    def put_later(self, item: T) -> None:
        """Append ``item`` now if there is room, else put it in line without waiting."""
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self._line().append(_Sender(item, None))

    def _line(self) -> deque[_Sender[T]]:
        waiting = self.waiting
        if waiting is None:
            waiting = self.waiting = deque()
        return waiting

    def get_nowait(self) -> T:
        """Pop the oldest item (the caller checks that there is one); the first waiter moves in."""
        item = self.items.popleft()
        waiting = self.waiting
        while waiting:
            sender = waiting.popleft()
            if not sender.gone:
                self.items.append(sender.item)
                if sender.event is not None:
                    sender.event.set()
                break
        return item

    def take_all(self) -> list[T]:
        """Remove and return everything queued and everything waiting to be, waking the senders."""
        items = list(self.items)
        self.items.clear()
        waiting, self.waiting = self.waiting or (), None
        for sender in waiting:
            if not sender.gone:
                items.append(sender.item)
                if sender.event is not None:
                    sender.event.set()
        return items
