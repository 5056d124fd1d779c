"""The serving side: requests that arrive for local actors, their replies and events.

Each local actor has a subscription on its subject in the queue group of its
name. A frame that arrives is decoded and put in the actor's mailbox (waiting
while it is full: NATS then buffers in the subscription's pending queue, up to
its limits). Replies and events are queued in the client's outgoing buffer
directly (:func:`~._nats_shim.publish_nowait`), in order, without a task hop.

Events of an ask are flow-controlled (:mod:`._nats_flow`): a handler emitting
faster than the asker consumes waits for credit, as it would in-process.

Cancellation: an asker that is cancelled publishes its inbox prefix and the
ask's cancel secret on ``ka.<ns>.x`` (every transport of the namespace
listens); the transport handling the ask whose id is the secret's hash
(:func:`~._nats_subjects.ask_id`) cancels the handler. The request shows
the id, never the secret, so only the asker can cancel its ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from ..events import Event, encode_event
from ..messages import (
    ActorNotFound,
    DecodeError,
    EncodeError,
    MailboxFull,
    Message,
    SystemStopped,
    encode,
)
from ._frames import decode_envelope, error_reply
from ._nats_flow import EventFlow
from ._nats_inbox import EVENT, MESSAGE
from ._nats_reply import OnDone, RemoteReply
from ._nats_shim import flush_pending, round_trip, take_pending, unsubscribe_now
from ._nats_subjects import (
    actor_subject,
    cancel_subject,
    cancelled_reply,
    credit_subject,
    queue_group,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

    from ._base import Deliver
    from ._nats_options import NatsOptions
    from ._nats_statistics import NatsStatistics
    from ._nats_subjects import RandomTokens

__all__ = ["Inbound", "OnDone", "RemoteReply", "ServingHost"]

logger = logging.getLogger("kaizen_actors.nats")

_CANCELS_KEPT = 4096


class ServingHost(Protocol):
    """What the serving side uses of its transport (a ``NatsTransport``)."""

    namespace: str
    statistics: NatsStatistics
    deliver: Deliver | None
    frame_limit: int

    @property
    def client(self) -> Client:
        """The connected nats-py client."""

    @property
    def max_frame_size(self) -> int:
        """The largest frame accepted."""

    def send_frame(self, subject: str, data: bytes, reply: str = "") -> bool:
        """Queue a frame now, signed; False when the buffer is full."""

    def rejects(self, msg: Msg, recipient: str, reply: str | None = None) -> bool:
        """Whether ``msg`` lacks a valid signature (then it is recorded)."""

    def dead_letter(
        self, message: Any, *, recipient: str, reason: str, sender: str | None = None
    ) -> None:
        """Record a dropped message in the system's dead letters."""


class Inbound:
    """Subscriptions of the local actors and the handling of what arrives on them.

    Args:
        transport: the transport it serves for, through :class:`ServingHost`.
        options: the transport's options (pending limits, event flow control).
        tokens: where event flow ids come from.
        redact: masks the transport's secrets in a text that is logged.

    """

    def __init__(
        self,
        transport: ServingHost,
        options: NatsOptions,
        tokens: RandomTokens,
        redact: Callable[[str], str],
    ) -> None:
        self.transport = transport
        self._options = options
        self._tokens = tokens
        self._redact = redact
        self.subs: dict[str, Subscription] = {}
        self.inflight: dict[str, RemoteReply] = {}
        self.cancelled: OrderedDict[str, None] = OrderedDict()
        """Reply subjects of asks cancelled before they reached a mailbox (the last 4,096):
        a request still in the client's pending queue when its cancel came."""
        self.flows: dict[str, EventFlow] = {}
        self.refusing: str | None = None
        self._flushes: set[asyncio.Task[Any]] = set()
        self._control: Subscription | None = None
        self._inbox_prefix = ""

    async def start(self, inbox_prefix: str) -> None:
        """Listen for cancellations of asks; askers grant credit on ``inbox_prefix``'s subjects."""
        self._inbox_prefix = inbox_prefix
        self._control = await self.transport.client.subscribe(
            cancel_subject(self.transport.namespace), cb=self._on_cancel
        )

    # -- sending from synchronous code ---------------------------------------------------

    def reply(self, subject: str, data: bytes) -> None:
        """Queue a reply frame now."""
        self.send(subject, data)
        self.transport.statistics.replies_sent += 1

    def send(self, subject: str, data: bytes) -> None:
        """Queue a publish now (a reply, an ack); never raises."""
        transport = self.transport
        try:
            if not transport.send_frame(subject, data):
                task = asyncio.get_running_loop().create_task(flush_pending(transport.client))
                self._flushes.add(task)
                task.add_done_callback(self._flushes.discard)
        except Exception as exc:
            logger.warning("could not send a reply: %s", self._redact(str(exc)))

    # -- subscriptions -------------------------------------------------------------------

    async def subscribe(self, name: str) -> None:
        """Subscribe to ``name``'s subject in the queue group of that name."""
        transport = self.transport
        nc = transport.client
        self.subs[name] = await nc.subscribe(
            actor_subject(transport.namespace, name),
            queue=queue_group(name),
            cb=partial(self._on_request, name),
            pending_msgs_limit=self._options.max_pending,
            pending_bytes_limit=self._options.max_pending_bytes,
        )
        if nc.is_connected:
            # A round trip, so the server knows the subscription before spawn()
            # returns: an ask from another connection right after finds it.
            with contextlib.suppress(Exception):
                await round_trip(nc, timeout=2)

    async def unsubscribe(self, name: str) -> None:
        """Unsubscribe ``name``; requests still queued in the client get ``ActorNotFound``."""
        sub = self.subs.pop(name, None)
        if sub is None:
            return
        # drain: UNSUB, a round trip, then the messages already received are handled
        # (delivered, refused while draining, or ActorNotFound once the actor is gone).
        # nats-py's drain() flushes with a PING written ahead of its own UNSUB
        # (:func:`round_trip`), so messages could still come after it: send the
        # UNSUB and make the round trip first.
        nc = self.transport.client
        with anyio.move_on_after(2), contextlib.suppress(Exception):
            if nc.is_connected:
                await unsubscribe_now(nc, sub)
                await round_trip(nc, timeout=2)
            await sub.drain()
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        for msg in take_pending(sub):  # nats-py drops these silently otherwise
            if msg.reply:
                self.send(msg.reply, error_reply(ActorNotFound(f"actor {name!r} stopped")))

    def subject_owner(self, subject: str) -> str:
        """The actor name whose subscription is on ``subject`` (or the subject)."""
        namespace = self.transport.namespace
        return next((n for n in self.subs if actor_subject(namespace, n) == subject), subject)

    # -- requests ------------------------------------------------------------------------

    async def _on_request(self, name: str, msg: Msg) -> None:
        transport = self.transport
        transport.statistics.received += 1
        if transport.rejects(msg, name):
            return
        try:
            envelope, message = decode_envelope(msg.data, limit=transport.max_frame_size)
        except DecodeError as exc:
            self.bad_frame(name, msg, exc)
            return
        await self.handle(
            name,
            message,
            envelope.sender,
            msg.reply,
            envelope.msg_id,
            envelope.events,
            headers=envelope.headers,
        )

    def bad_frame(self, name: str, msg: Msg, exc: Exception, *, answer: bool = True) -> None:
        """Record a frame that did not decode; a foreign asker gets an error reply."""
        transport = self.transport
        transport.statistics.bad_frames += 1
        transport.dead_letter(
            bytes(msg.data), recipient=name, reason=f"bad frame on {msg.subject}: {exc}"
        )
        if answer and msg.reply:
            self.send(msg.reply, error_reply(DecodeError(f"bad frame: {exc}")))

    async def handle(
        self,
        name: str,
        message: Any,
        sender: str | None,
        reply_to: str,
        ask_id: str | None,
        events: str | None,
        on_done: OnDone | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Deliver a decoded inbound request (with its ``headers``) to the local actor ``name``.

        ``on_done`` is called with the outcome once the message is handled
        (also for a tell): the durable queue acks there.
        """
        transport = self.transport
        reply: RemoteReply | None
        if reply_to and reply_to in self.cancelled:
            del self.cancelled[reply_to]
            transport.dead_letter(
                message, recipient=name, reason="its asker cancelled it before it was handled"
            )
            if on_done is not None:
                on_done(None, "", b"")
            return
        if ask_id is not None and reply_to:
            reply = self.inflight[reply_to] = RemoteReply(self, name, reply_to, on_done)
        elif on_done is not None:
            reply = RemoteReply(self, name, "", on_done)
        else:
            reply = None
        deliver = transport.deliver
        if self.refusing is not None or deliver is None:
            transport.statistics.refused += 1
            error = SystemStopped(self.refusing or "the actor system stopped")
            if reply is None or not reply.set_exception(error):
                if reply_to and ask_id is None:
                    self.send(reply_to, error_reply(error))
                transport.dead_letter(message, recipient=name, reason=str(error), sender=sender)
            return
        on_event = None
        if events:
            flow_id = self._tokens.next()
            flow = EventFlow(
                credit_subject(self._inbox_prefix, flow_id),
                self._options.event_window,
                self._options.event_credit_timeout,
            )
            self.flows[flow_id] = flow
            if reply is not None:
                reply.flow = flow_id
            on_event = partial(self._publish_event, events, flow)
        try:
            await deliver(name, message, sender, reply, on_event, headers)
        except Exception as exc:  # the system stopped under us
            if reply is not None:
                reply.set_exception(exc)

    def credit(self, flow_id: str, data: bytes) -> None:
        """Credit from an asker for the event stream ``flow_id``."""
        flow = self.flows.get(flow_id)
        if flow is not None:
            flow.credit(data)

    async def _publish_event(self, subject: str, flow: EventFlow, event: Any) -> None:
        if isinstance(event, Event):
            data = EVENT + encode_event(event)
        elif isinstance(event, Message):
            data = MESSAGE + encode(event)
        else:
            raise EncodeError(
                f"events sent over NATS must be ka.events.Event or ka.Message, "
                f"not {type(event).__name__}"
            )
        await flow.acquire()
        # Queued in order: the handler emits before it returns, and its reply is
        # queued after, so every event precedes the reply on this connection.
        transport = self.transport
        if not transport.send_frame(subject, data, flow.credit_subject):
            await flush_pending(transport.client)

    # -- cancellation -----------------------------------------------------------------

    async def _on_cancel(self, msg: Msg) -> None:
        if self.transport.rejects(msg, "cancel"):
            return
        subject = cancelled_reply(msg.data)
        if subject is None:
            return
        reply = self.inflight.get(subject)
        if reply is not None:
            reply.cancel()
            return
        cancelled = self.cancelled  # not here yet: still queued, or served by another system
        cancelled[subject] = None
        if len(cancelled) > _CANCELS_KEPT:
            cancelled.popitem(last=False)

    # -- overload -------------------------------------------------------------------------

    def slow_consumer(self, exc: Any) -> None:
        """The NATS client dropped a message for a full pending queue: tell its sender."""
        transport = self.transport
        transport.statistics.dropped += 1
        name = self.subject_owner(getattr(exc, "subject", "") or "")
        error = MailboxFull(
            f"actor {name!r} is overloaded: its mailbox and NATS pending queue "
            f"({self._options.max_pending} messages) are full; the message was dropped"
        )
        if exc.reply:
            self.send(exc.reply, error_reply(error))
        transport.dead_letter(None, recipient=name, reason=str(error))

    async def close(self) -> None:
        """Unsubscribe everything and wait for forced flushes in progress."""
        for name in list(self.subs):
            await self.unsubscribe(name)
        if self._control is not None:
            with contextlib.suppress(Exception):
                await self._control.unsubscribe()
        for task in list(self._flushes):
            with contextlib.suppress(Exception):
                await task
