"""The asking side: one reply inbox per transport, and the correlation of replies to asks.

Every ask gets the reply subject ``<inbox>r<id>`` and, when it takes events,
``<inbox>e<id>``; a tell gets ``<inbox>t<slot><token>`` for its status; event
credit for the asks this transport serves arrives on ``<inbox>c<flow>``
(:mod:`._nats_flow`). One wildcard subscription receives all of them. Deadlines share the loop's
one ask timer (:mod:`._deadlines`), so an ask costs a dict entry and a future,
not a timer each.

The inbox prefix, ask ids, tell tokens and flow ids are random (96 bits
each, :class:`~._nats_subjects.RandomTokens`). An ask's id is the hash of
its cancel secret (:func:`~._nats_subjects.ask_id`), which only the asker
knows: the cancel it publishes carries the secret, and the serving side
cancels the ask whose id it hashes to.
"""

from __future__ import annotations

import asyncio
import hmac
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from ..events import decode_event
from ..messages import ActorNotFound, AskTimeout, DecodeError, KaizenError, decode
from ._deadlines import loop_deadlines
from ._frames import decode_reply
from ._nats_flow import CreditGrant
from ._nats_subjects import CREDIT, EVENTS, REPLY, TELL, TOKEN_LENGTH, RandomTokens, tell_subject
from ._nats_subjects import ask_id as ask_id_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from nats.aio.msg import Msg

    from ._base import DeadLetterSink, EventSink

__all__ = ["EVENT", "MESSAGE", "ReplyInbox"]

EVENT, MESSAGE = b"E", b"M"
"""First byte of an event frame: a ``ka.events.Event``, or a ``ka.Message``."""

_NO_RESPONDERS = "503"
_ABANDONED_KEPT = 1024
_TELLS_KEPT = 4096  # a tell's slot is 3 hex digits of its status subject


def _no_responders(msg: Msg) -> bool:
    """Whether ``msg`` is the server's "no responders" status (an ask or tell nobody took)."""
    headers = msg.headers
    return headers is not None and not msg.data and headers.get("Status") == _NO_RESPONDERS


class _Pending:
    """An ask waiting for its reply, and the events that arrive before it."""

    __slots__ = ("deadline", "events", "future", "grant", "message", "name", "sender", "wake")

    def __init__(self, name: str, message: Any, sender: str | None, future: Any) -> None:
        self.name = name
        self.message = message
        self.sender = sender
        self.future: asyncio.Future[Any] = future
        self.deadline = 0.0
        self.events: deque[Any] | None = None
        self.grant: CreditGrant | None = None
        self.wake: asyncio.Future[None] | None = None

    def settle(self, value: Any = None, error: BaseException | None = None) -> None:
        """Complete the ask with its reply or error (once) and wake an events loop."""
        future = self.future
        if future.done():
            return
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)
        self.notify()

    def settled(self) -> bool:
        """Whether the ask has its reply or error, or was cancelled."""
        return self.future.done()

    def expire(self, timeout: float) -> None:
        """Fail the ask: no reply within ``timeout`` seconds."""
        self.settle(error=AskTimeout(f"no reply from {self.name!r} within {timeout:g} s"))

    def notify(self) -> None:
        """Wake the loop that hands events to the asker."""
        wake = self.wake
        if wake is not None and not wake.done():
            wake.set_result(None)


class ReplyInbox:
    """Correlates replies, events and tell statuses with the asks and tells that wait.

    Args:
        prefix: the inbox subject prefix, ending with ``.``.
        namespace: the namespace, for error texts.
        dead_letter: where late replies and undeliverable tells are recorded.
        statistics: counters with a ``late_replies`` attribute.
        tokens: the random tokens of ask ids and tell subjects.
        send: publishes a frame now (credit).
        on_credit: takes credit for the events of an ask served here.
        rejects: with signing, ``rejects(msg, recipient)`` tells whether a
            frame lacks a valid signature (and records it); such frames are
            dropped. The server's "no responders" status cannot be signed
            and is taken as it is.

    """

    def __init__(
        self,
        prefix: str,
        namespace: str,
        dead_letter: DeadLetterSink,
        statistics: Any,
        tokens: RandomTokens,
        *,
        send: Callable[[str, bytes], None],
        on_credit: Callable[[str, bytes], None],
        rejects: Callable[[Msg, str], bool] | None = None,
    ) -> None:
        self.prefix = prefix
        self._send = send
        self._on_credit = on_credit
        self._rejects = rejects
        self.statistics = statistics
        self.namespace = namespace
        self._dead_letter = dead_letter
        self._tokens = tokens
        self.asks: dict[str, _Pending] = {}
        self._abandoned: OrderedDict[str, _Pending] = OrderedDict()
        self._tells: list[Any] = [None] * _TELLS_KEPT
        self._tell_slot = 0

    # -- asks ------------------------------------------------------------------------

    def open(
        self, name: str, message: Any, sender: str | None, timeout: float, *, events: bool = False
    ) -> tuple[str, str, Any]:
        """Register an ask (taking events if ``events``).

        Returns:
            Its cancel secret, its id (the hash of the secret) and its pending record.

        """
        secret = self._tokens.next()
        key = ask_id_of(secret)
        loop = asyncio.get_running_loop()
        pending = _Pending(name, message, sender, loop.create_future())
        if events:
            pending.events = deque()
            pending.grant = CreditGrant()
        self.asks[key] = pending
        if timeout != float("inf"):
            loop_deadlines(loop).add(timeout, pending)
        return secret, key, pending

    async def wait(self, ask_id: str, pending: _Pending, on_event: EventSink | None) -> Any:
        """Wait for the reply of ask ``ask_id`` and return it, or raise its error.

        Raises:
            AskTimeout: when its deadline passed.
            ActorCrashed, ActorNotFound, TransportError: as the reply or the
                connection reported.

        """
        try:
            if on_event is None:
                return await pending.future
            return await self._wait_with_events(pending, on_event)
        except BaseException:
            if pending.grant is not None:
                pending.grant.release(self._send)
            future = pending.future
            if (
                not future.done()
                or future.cancelled()
                or isinstance(future.exception(), AskTimeout)
            ):
                future.cancel()
                self._abandon(ask_id, pending)
            raise
        finally:
            self.asks.pop(ask_id, None)

    async def _wait_with_events(self, pending: _Pending, on_event: EventSink) -> Any:
        events, grant = pending.events, pending.grant
        assert events is not None
        assert grant is not None
        future = pending.future
        loop = future.get_loop()
        while True:
            while events:
                await on_event(events.popleft())
                grant.took_one(self._send)
            if future.done():
                return future.result()
            wake = pending.wake = loop.create_future()
            await wake

    def _abandon(self, ask_id: str, pending: _Pending) -> None:
        self._abandoned[ask_id] = pending
        if len(self._abandoned) > _ABANDONED_KEPT:
            self._abandoned.popitem(last=False)

    def fail_all(self, error: BaseException) -> None:
        """Fail every waiting ask with ``error`` (connection lost, transport closed)."""
        for pending in list(self.asks.values()):
            pending.settle(error=error)

    # -- tells -----------------------------------------------------------------------

    def tell_subject(self, name: str, message: Any, sender: str | None) -> str:
        """The status subject of a tell; kept in a ring of the last 4,096 tells.

        ``<inbox>t<slot><token>``: the slot in the ring (3 hex digits), then a
        random token that the status must name for the slot to count.
        """
        slot = self._tell_slot = (self._tell_slot + 1) % _TELLS_KEPT
        token = self._tokens.next()
        self._tells[slot] = (token, name, message, sender)
        return tell_subject(self.prefix, slot, token)

    # -- the inbox subscription --------------------------------------------------------

    async def on_message(self, msg: Msg) -> None:
        """The callback of the inbox subscription."""
        rejects = self._rejects
        if rejects is not None and not _no_responders(msg) and rejects(msg, msg.subject):
            return
        token = msg.subject[len(self.prefix) :]
        kind = token[:1]
        if kind == EVENTS:
            self._on_event(token[1:], msg)
        elif kind == CREDIT:
            self._on_credit(token[1:], msg.data)
        elif kind == TELL:
            self._on_tell_status(token[1:], msg)
        elif kind == REPLY:
            self._on_reply(token[1:], msg)

    def _on_reply(self, ask_id: str, msg: Msg) -> None:
        pending = self.asks.get(ask_id)
        if pending is None or pending.future.done():
            self._late(ask_id)
            return
        if _no_responders(msg):
            pending.settle(
                error=ActorNotFound(
                    f"no actor named {pending.name!r} in namespace {self.namespace!r} "
                    "(nobody serves it on the NATS server)"
                )
            )
            return
        try:
            value = decode_reply(msg.data)
        except KaizenError as exc:
            pending.settle(error=exc)
        else:
            pending.settle(value)

    def _late(self, ask_id: str) -> None:
        pending = self._abandoned.pop(ask_id, None)
        if pending is None:
            return  # a duplicate (durable redelivery) of a reply already taken
        self.statistics.late_replies += 1
        self._dead_letter(
            pending.message,
            recipient=pending.name,
            reason="late reply: the asker had stopped waiting (timeout or cancelled)",
            sender=pending.sender,
        )

    def _on_event(self, ask_id: str, msg: Msg) -> None:
        pending = self.asks.get(ask_id)
        if pending is None or pending.events is None or pending.grant is None:
            return
        data = msg.data
        if msg.reply:
            pending.grant.subject = msg.reply
        try:
            kind, body = data[:1], data[1:]
            event = decode_event(body) if kind == EVENT else decode(body)
        except DecodeError as exc:
            self._dead_letter(bytes(data), recipient=pending.name, reason=f"bad event: {exc}")
            return
        pending.events.append(event)
        pending.notify()

    def _on_tell_status(self, token: str, msg: Msg) -> None:
        try:
            slot = int(token[:3], 16)
        except ValueError:
            return
        told = self._tells[slot % _TELLS_KEPT]
        secret = token[3:]
        if (
            told is None
            or len(secret) != TOKEN_LENGTH
            or not hmac.compare_digest(told[0].encode(), secret.encode())
        ):
            return
        self._tells[slot % _TELLS_KEPT] = None
        _, name, message, sender = told
        if _no_responders(msg):
            reason = f"no actor named {name!r} in namespace {self.namespace!r} (no NATS responders)"
        else:
            try:
                decode_reply(msg.data)
                return
            except KaizenError as exc:
                reason = f"the receiver dropped it: {exc}"
        self._dead_letter(message, recipient=name, reason=reason, sender=sender)
