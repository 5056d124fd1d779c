"""The ``Actor`` base class and the context its handlers receive."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ..transport import EventSink
    from ._cell import ActorCell
    from ._ref import ActorRef
    from ._strategy import RestartType, Strategy
    from ._system import ActorSystem

__all__ = ["Actor", "ActorContext"]

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Actor:
    """Base class of actors: subclass it and implement :meth:`receive`.

    The system calls ``receive`` with one message at a time, in the order the
    messages arrived; its return value is the reply to an ``ask``. If it
    raises, the actor's supervisor restarts it with a fresh instance from its
    factory (its queued messages are kept), and an ``ask`` that delivered the
    message fails at once with ``ActorCrashed``.

    A subclass's ``__init__`` need not call ``super().__init__()``.

    Attributes:
        supervisor_strategy: how failures of the children this actor spawns
            with ``ctx.spawn`` are handled; ``OneForOne()`` when ``None``.

    Version added: 0.1

    """

    supervisor_strategy: ClassVar[Strategy | None] = None

    async def receive(self, message: Any, ctx: ActorContext) -> Any:
        """Handle one message; the return value answers an ``ask``.

        Raises:
            NotImplementedError: unless a subclass implements it.

        """
        raise NotImplementedError(f"{type(self).__name__} must implement async receive()")

    async def on_start(self, ctx: ActorContext) -> None:
        """Run before the first message, on every start and restart."""

    async def on_stop(self, ctx: ActorContext) -> None:
        """Run after the last message, when the actor stops or is about to be restarted."""


class ActorContext:
    """What a handler knows about where it runs.

    Attributes:
        self: a ref to this actor.
        system: the ``ActorSystem`` it runs in.

    Version added: 0.1

    """

    __slots__ = ("_cell", "_letter", "self", "system")

    def __init__(self, cell: ActorCell) -> None:
        self._cell = cell
        self._letter: Any = None
        self.self: ActorRef = cell.ref
        self.system: ActorSystem = cell.system

    @property
    def name(self) -> str:
        """The name of the actor."""
        return self._cell.name

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers of the current message (read-only; empty when it has none).

        Set by the sender (``ref.ask(..., headers=)``, ``ref.tell(..., headers=)``)
        and carried in process and over NATS. Asks and tells this handler makes
        carry them on, merged under their own.
        """
        letter = self._letter
        headers = letter.headers if letter is not None else None
        return _NO_HEADERS if headers is None else MappingProxyType(headers)

    @property
    def sender(self) -> ActorRef | None:
        """A ref to the sender of the current message, ``None`` when sent from outside an actor."""
        letter = self._letter
        if letter is None or letter.sender is None:
            return None
        return self.system.ref(letter.sender)

    async def spawn(
        self,
        factory: Callable[[], Actor],
        *,
        name: str | None = None,
        mailbox_size: int | None = None,
        restart: RestartType = "permanent",
    ) -> ActorRef:
        """Start a child actor supervised by this one.

        Children stop before their parent and restart with it. Their failures
        are handled by this actor's ``supervisor_strategy``.

        Raises:
            ActorError: when ``name`` is taken in the namespace.
            Exception: whatever the child's ``on_start`` raised.

        """
        return await self._cell.spawn_child(
            factory, name=name, mailbox_size=mailbox_size, restart=restart
        )

    @property
    def event_sink(self) -> EventSink | None:
        """Where :meth:`emit` sends the current message's events (``None``: nowhere).

        A handler that emits many events may call it directly, skipping one
        hop per event; ``None`` (a ``tell``, or an ``ask`` without
        ``on_event``) means nobody listens, so there is no need to make them.
        """
        letter = self._letter
        return letter.on_event if letter is not None else None

    async def emit(self, event: Any) -> None:
        """Pass an event to whoever asked for the current message.

        Waits while the consumer is busy (backpressure). Without a listener
        (a ``tell``, or an ``ask`` without ``on_event``) the event is dropped.
        """
        letter = self._letter
        if letter is not None and letter.on_event is not None:
            await letter.on_event(event)

    def stop(self) -> None:
        """Stop this actor once the current message is handled (a normal exit).

        A ``"permanent"`` child is then restarted by its supervisor; others stop for good.
        """
        self._cell.request_exit()
