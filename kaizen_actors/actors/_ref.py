"""``ActorRef``: the address of an actor, local or remote."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import ActorNotFound, ActorStopped
from ..transport import ReplySlot
from ._letters import HeadedLetter, Letter, outgoing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..transport import EventSink
    from ._cell import ActorCell
    from ._system import ActorSystem

__all__ = ["ActorRef"]


class ActorRef:
    """The address of an actor by name in its system's namespace.

    A ref stays valid across restarts of the actor (the mailbox is kept). It
    resolves the name again when the actor it knew stopped, so a ref to a
    child that its supervisor re-created reaches the new one. Names that no
    local actor serves go through the system's transport.

    Version added: 0.1
    """

    __slots__ = ("_cell", "_system", "name")

    def __init__(self, name: str, system: ActorSystem, cell: ActorCell | None = None) -> None:
        self.name = name
        self._system = system
        self._cell = cell

    def _find(self) -> ActorCell | None:
        """The local actor serving this name, if any."""
        cell = self._cell
        if cell is None or cell._stopping:
            cell = self._system._cells.get(self.name)
        return cell

    def _local(self) -> ActorCell | None:
        """The local actor to deliver to directly (none in loopback mode), cached."""
        if self._system.loopback:
            return None
        cell = self._find()
        self._cell = cell
        return cell

    async def tell(self, message: Any, *, headers: Mapping[str, str] | None = None) -> None:
        """Send ``message``; waits while the actor's mailbox is full.

        Over NATS this is a publish: it waits only for the client's buffer.
        A message for an actor nobody serves goes to dead letters.

        Args:
            message: the message.
            headers: text metadata (a trace context, a tenant) that the
                handler reads in ``ctx.headers``. Sent from inside a handler,
                the message also carries the headers of the message in hand
                (these keys win).

        Raises:
            SystemStopped: when the system is not running.
            TypeError: when a header key or value is not a ``str``.

        """
        cell = self._cell
        if cell is None or cell._stopping:
            cell = self._local()
        sender, headers = outgoing(headers)
        if cell is None:
            try:
                await self._system._remote_tell(self.name, message, sender, headers)
            except ActorNotFound as exc:
                self._dead_letter(message, str(exc), sender)
            return
        if headers is None:
            letter = Letter(message, sender)
        else:
            letter = HeadedLetter(message, sender, None, None, headers)
        if cell.offer(letter):
            return
        try:
            await cell.put(letter)
        except ActorStopped as exc:
            self._dead_letter(message, str(exc), sender)

    def _dead_letter(self, message: Any, reason: str, sender: str | None) -> None:
        self._system.dead_letters.record(message, recipient=self.name, reason=reason, sender=sender)

    def tell_nowait(self, message: Any, *, headers: Mapping[str, str] | None = None) -> None:
        """Send ``message`` without waiting.

        Args:
            message: the message.
            headers: as for :meth:`tell`.

        Raises:
            MailboxFull: when the actor's mailbox is full.
            ActorNotFound: when no local actor serves the name (remote actors
                take ``await tell()``).
            TypeError: when a header key or value is not a ``str``.

        """
        cell = self._find()
        sender, headers = outgoing(headers)
        if cell is None:
            self._system._check_running()
            self._system.dead_letters.record(
                message, recipient=self.name, reason="no local actor by this name", sender=sender
            )
            raise ActorNotFound(
                f"no local actor named {self.name!r}; use `await ref.tell()` for remote actors"
            )
        try:
            cell.put_nowait(
                Letter(message, sender)
                if headers is None
                else HeadedLetter(message, sender, None, None, headers)
            )
        except ActorStopped as exc:
            self._system.dead_letters.record(
                message, recipient=self.name, reason=str(exc), sender=sender
            )
            raise ActorNotFound(str(exc)) from None

    async def ask(
        self,
        message: Any,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - an ask without a deadline can hang
        on_event: EventSink | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send ``message`` and wait for the handler's return value.

        Args:
            message: the message.
            timeout: seconds to wait for the reply; the system's ``ask_timeout``
                (5 s by default) when ``None``; ``math.inf`` waits forever.
            on_event: awaited with each event the handler emits with ``ctx.emit``.
            headers: text metadata the handler reads in ``ctx.headers``;
                asked from inside a handler, merged over the headers of the
                message in hand (these keys win).

        Cancelling the caller cancels the handler's work on this message
        (in-process). After a timeout the handler goes on; its late reply is
        recorded in dead letters.

        Raises:
            AskTimeout: when no reply came within ``timeout``.
            ActorCrashed: at once when the handler raised; names its exception.
            ActorNotFound: at once when nobody serves the name, or the actor stopped.
            TypeError: when a header key or value is not a ``str``.

        """
        system = self._system
        if timeout is None:
            timeout = system.ask_timeout
        cell = self._cell
        if cell is None or cell._stopping:
            cell = self._local()
        sender, headers = outgoing(headers)
        if cell is None:
            return await system._remote_ask(self.name, message, sender, timeout, on_event, headers)
        slot = ReplySlot()
        if headers is None:
            letter = Letter(message, sender, slot, on_event)
        else:
            letter = HeadedLetter(message, sender, slot, on_event, headers)
        if not cell.offer(letter):
            # Full: the letter waits in line for room, the asker on its reply
            # (one deadline for both; a letter whose asker gave up is skipped).
            cell.put_later(letter)
        return await slot.wait(timeout, recipient=self.name)

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a grace period
        """Stop the actor for good and wait until it has stopped.

        The message in hand may finish within ``timeout`` seconds (the
        system's ``stop_timeout``, 5 s by default, when ``None``); then its
        handler is cancelled, as OTP kills a worker past its shutdown time.
        Its supervisor does not restart it. Queued messages go to dead
        letters; their asks fail with ``ActorStopped``. Stopping an actor that
        is not running does nothing.
        """
        cell = self._find()
        if cell is not None:
            grace = self._system.stop_timeout if timeout is None else timeout
            await cell.stop("stopped by request", grace=grace)

    async def wait_stopped(self) -> None:
        """Wait until this actor (as the ref last knew it) has stopped."""
        cell = self._cell or self._find()
        if cell is not None:
            await cell.wait_stopped()

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ActorRef)
            and other.name == self.name
            and other._system.name == self._system.name
        )

    def __hash__(self) -> int:
        return hash((self._system.name, self.name))

    def __repr__(self) -> str:
        return f"<ActorRef {self._system.name}/{self.name}>"
