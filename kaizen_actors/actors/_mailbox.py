"""A bounded FIFO mailbox with a wait-free fast path."""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import anyio

__all__ = ["DEFAULT_MAILBOX_SIZE", "Mailbox"]

T = TypeVar("T")

DEFAULT_MAILBOX_SIZE = 1000
"""Messages a mailbox holds before ``tell`` waits (and ``tell_nowait`` raises)."""


class Mailbox(Generic[T]):
    """A bounded queue: appending to ``items`` below ``size`` and ``get_nowait`` never yield.

    Only senders that find it full wait, on one shared event that the
    receiver sets when it frees a slot. Nothing waits for messages here: the
    actor cell runs a drain task only while the mailbox holds something.
    """

    __slots__ = ("_room", "items", "size")

    def __init__(self, size: int = DEFAULT_MAILBOX_SIZE) -> None:
        if size < 1:
            raise ValueError(f"mailbox_size must be at least 1, got {size}")
        self.size = size
        self.items: deque[T] = deque()
        self._room: anyio.Event | None = None

    def __len__(self) -> int:
        return len(self.items)

    async def put(self, item: T) -> None:
        """Append ``item``, waiting while the mailbox is full."""
        while len(self.items) >= self.size:
            if self._room is None:
                self._room = anyio.Event()
            await self._room.wait()
        self.items.append(item)

    def get_nowait(self) -> T:
        """Pop the oldest item (the caller checks that there is one)."""
        item = self.items.popleft()
        if self._room is not None:
            self._room.set()
            self._room = None
        return item

    def take_all(self) -> list[T]:
        """Remove and return everything queued, waking waiting senders."""
        items = list(self.items)
        self.items.clear()
        if self._room is not None:
            self._room.set()
            self._room = None
        return items
