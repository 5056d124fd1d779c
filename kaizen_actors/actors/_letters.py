"""Letters (a message in a mailbox) and dead letters."""

from __future__ import annotations

import time
from collections import deque
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ..transport import EventSink, Replier

__all__ = ["DeadLetter", "DeadLetters", "Letter", "current_cell"]

current_cell: ContextVar[Any] = ContextVar("kaizen_actors_current_cell", default=None)
"""The actor cell whose handler runs in this task: the sender of what the task sends."""


class Letter:
    """A message on its way through a mailbox, with who sent it and where replies go."""

    __slots__ = ("cancelled", "message", "on_event", "reply", "sender")

    def __init__(
        self,
        message: Any,
        sender: str | None = None,
        reply: Replier | None = None,
        on_event: EventSink | None = None,
    ) -> None:
        self.message = message
        self.sender = sender
        self.reply = reply
        self.on_event = on_event
        self.cancelled = False


class DeadLetter(msgspec.Struct, frozen=True):
    """A message that could not be delivered or whose reply nobody took.

    Attributes:
        message: the message (or the raw bytes of a frame that did not decode).
        sender: name of the sender, if known.
        recipient: name of the actor it was for.
        reason: why it was dropped, in words.
        time: ``time.time()`` when it was recorded.

    """

    message: Any
    sender: str | None
    recipient: str
    reason: str
    time: float


class DeadLetters:
    """The record of dropped messages of one ``ActorSystem``.

    Keeps the most recent ``capacity`` letters (1,000 by default) and counts
    all of them in ``total``. Iterate it to inspect them.

    Version added: 0.1
    """

    def __init__(self, capacity: int = 1000) -> None:
        self._letters: deque[DeadLetter] = deque(maxlen=capacity)
        self.total = 0
        self._listeners: list[Callable[[DeadLetter], None]] = []

    def record(
        self, message: Any, *, recipient: str, reason: str, sender: str | None = None
    ) -> None:
        """Record a dropped message."""
        letter = DeadLetter(message, sender, recipient, reason, time.time())
        self._letters.append(letter)
        self.total += 1
        for listener in self._listeners:
            listener(letter)

    def subscribe(self, listener: Callable[[DeadLetter], None]) -> Callable[[], None]:
        """Call ``listener`` with every new dead letter; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __iter__(self) -> Iterator[DeadLetter]:
        return iter(tuple(self._letters))

    def __len__(self) -> int:
        return len(self._letters)

    def clear(self) -> None:
        """Forget the recorded letters (``total`` keeps counting)."""
        self._letters.clear()

    def __repr__(self) -> str:
        return f"<DeadLetters kept={len(self._letters)} total={self.total}>"
