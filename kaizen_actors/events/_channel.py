"""A bounded buffer of events between tasks of one asyncio loop.

What an anyio memory object stream does here, without its costs per item:
anyio's ``receive()`` passes through the loop once before it even looks at
the buffer, and a receiver that waits makes an event and a dict entry; here
a consumer that finds the buffer empty waits on one bare future, and ``put``
appends and wakes it. Any number of producers and consumers may wait; each
item taken wakes one waiting producer, each item put one waiting consumer.
Errors are anyio's: ``EndOfStream`` once the producers ended and the buffer
is drained, ``BrokenResourceError`` for a producer whose consumer has gone.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

import anyio

__all__ = ["Channel"]

T = TypeVar("T")


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return


def _wake_all(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)


async def _wait(waiters: deque[asyncio.Future[None]]) -> None:
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await waiter
    except BaseException:
        if waiter.done() and not waiter.cancelled():
            _wake_one(waiters)  # woken, then cancelled: the wake goes to the next one
        elif waiter in waiters:
            waiters.remove(waiter)
        raise


class Channel(Generic[T]):
    """Holds up to ``size`` items; ``put`` waits while it is full.

    Args:
        size: items the buffer holds before producers wait.

    """

    __slots__ = ("_closed", "_ended", "_getters", "_items", "_putters", "_size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a channel holds at least one item, got size={size}")
        self._items: deque[T] = deque()
        self._size = size
        self._getters: deque[asyncio.Future[None]] = deque()
        self._putters: deque[asyncio.Future[None]] = deque()
        self._ended = False
        self._closed = False

    async def put(self, item: T) -> None:
        """Add ``item``, waiting while the buffer is full.

        Raises:
            anyio.BrokenResourceError: the consumer closed the channel.

        """
        while not self.offer(item):
            if self._closed:
                raise anyio.BrokenResourceError
            await _wait(self._putters)

    def offer(self, item: T) -> bool:
        """Add ``item`` if there is room and the channel is open; return whether it went in."""
        if self._closed or len(self._items) >= self._size:
            return False
        self._items.append(item)
        if self._getters:
            _wake_one(self._getters)
        return True

    def force(self, item: T) -> None:
        """Append ``item`` even past the size (one last item: a stream's closing event).

        Dropped if the consumer is gone.
        """
        if not self._closed:
            self._items.append(item)
            _wake_one(self._getters)

    def end(self) -> None:
        """No more items will come: consumers get ``EndOfStream`` after the last one."""
        self._ended = True
        _wake_all(self._getters)

    async def get(self) -> T:
        """The next item, waiting while the buffer is empty (no loop trip when it is not).

        Raises:
            anyio.EndOfStream: no more items will come and every item was taken.

        """
        while not self._items and not (self._ended or self._closed):
            await _wait(self._getters)
        return self.get_nowait()

    def get_nowait(self) -> T:
        """The next item, if one is waiting.

        Raises:
            anyio.WouldBlock: the buffer is empty.
            anyio.EndOfStream: no more items will come and every item was taken.

        """
        items = self._items
        if not items:
            raise anyio.EndOfStream if self._ended or self._closed else anyio.WouldBlock
        item = items.popleft()
        if self._putters:
            _wake_one(self._putters)
        return item

    def close(self) -> None:
        """The consumer is gone: drop what is buffered; a waiting or later ``put`` raises."""
        self._closed = True
        self._items.clear()
        _wake_all(self._putters)
        _wake_all(self._getters)

    def __len__(self) -> int:
        """Items waiting in the buffer."""
        return len(self._items)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "ended" if self._ended else "open"
        return f"<Channel {len(self._items)}/{self._size} {state}>"
