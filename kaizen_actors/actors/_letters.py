"""Letters (a message in a mailbox) and dead letters."""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from ..transport import EventSink, Replier

__all__ = [
    "DeadLetter",
    "DeadLetters",
    "HeadedLetter",
    "Letter",
    "carry_headers",
    "check_headers",
    "current_cell",
    "outgoing",
]

current_cell: ContextVar[Any] = ContextVar("kaizen_actors_current_cell", default=None)
"""The actor cell whose handler runs in this task: the sender of what the task sends."""

current_headers: ContextVar[dict[str, str] | None] = ContextVar(
    "kaizen_actors_current_headers", default=None
)
"""The headers of the message whose handler runs (or made this task): what its sends carry.

Set only while a letter with headers is handled, so a letter without them
costs nothing; a task started by a handler keeps the headers of the message
it was started for, not those of whatever message the actor handles later."""


class Letter:
    """A message on its way through a mailbox, with who sent it and where replies go.

    A letter without headers is a plain ``Letter`` (its ``headers`` is the
    class's ``None``: nothing stored, nothing allocated); one with headers is a
    :class:`HeadedLetter`.
    """

    __slots__ = ("cancelled", "message", "on_event", "reply", "sender")

    headers: dict[str, str] | None = None

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


class HeadedLetter(Letter):
    """A letter whose message has headers (never empty)."""

    __slots__ = ("headers",)

    def __init__(
        self,
        message: Any,
        sender: str | None,
        reply: Replier | None,
        on_event: EventSink | None,
        headers: dict[str, str],
    ) -> None:
        super().__init__(message, sender, reply, on_event)
        self.headers = headers


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` after checking that every key and value is a ``str``.

    Raises:
        TypeError: for a ``headers`` that is not a mapping, or a key or value
            that is not a ``str`` (headers cross the wire as text, and a
            value that only looks right in process would fail over NATS).

    """
    try:
        items = headers.items()
    except AttributeError:
        raise TypeError(
            f"headers must be a dict of str to str, got {type(headers).__name__}"
        ) from None
    checked: dict[str, str] = {}
    for key, value in items:
        if type(key) is not str or type(value) is not str:
            raise TypeError(
                f"headers must map str to str, got {type(key).__name__} {key!r} -> "
                f"{type(value).__name__} {value!r}"
            )
        checked[key] = value
    return checked


def outgoing(headers: Mapping[str, str] | None) -> tuple[str | None, dict[str, str] | None]:
    """The sender and headers of a message sent now: ``(actor name or None, headers or None)``.

    The message carries the headers of the letter in hand (inside a handler)
    or of :func:`carry_headers`, merged with ``headers`` (whose keys win).
    """
    cell = current_cell.get()
    sender = None if cell is None else cell.name
    inherited = current_headers.get()
    if not headers:
        return sender, inherited
    if inherited is None:
        return sender, check_headers(headers)
    return sender, {**inherited, **check_headers(headers)}


@contextmanager
def carry_headers(headers: Mapping[str, str]) -> Iterator[None]:
    """Make the messages sent in this block carry ``headers``.

    ::

        with ka.actors.carry_headers({"tenant": "acme"}):
            await ref.ask(Query())        # ctx.headers["tenant"] == "acme" there

    Inside a handler they are merged over the headers of the message in hand
    (``ctx.headers`` itself is unchanged); tasks started in the block carry
    them too. A middleware uses it to pass on a new trace context.

    Raises:
        TypeError: for a key or value that is not a ``str``.

    """
    current = current_headers.get()
    merged = check_headers(headers) if current is None else {**current, **check_headers(headers)}
    token = current_headers.set(merged)
    try:
        yield
    finally:
        current_headers.reset(token)


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
