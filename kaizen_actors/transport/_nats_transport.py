"""``NatsTransport``: actor systems in several processes and machines, through a NATS server.

See :mod:`kaizen_actors.transport._nats_subjects` for the subject scheme.
nats-py runs on asyncio only: a system with a NATS transport must run under
asyncio (``anyio.run(main)``, the default backend), not trio.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import OrderedDict, deque
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio

from ..events import Event, decode_event, encode_event
from ..messages import (
    ActorNotFound,
    AskTimeout,
    DecodeError,
    KaizenError,
    MailboxFull,
    Message,
    SystemStopped,
    TransportError,
    decode,
    encode,
)
from ._base import EventSink, ReplySlot, Transport, wait_reply
from ._frames import DEFAULT_MAX_FRAME, decode_envelope, decode_reply, encode_envelope, encode_reply
from ._frames import error_reply as _error_reply
from ._nats_subjects import actor_subject, escape, redact, redact_url

if TYPE_CHECKING:
    import ssl

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

    from ._base import DeadLetterSink, Deliver

__all__ = ["NatsStatistics", "NatsTransport"]

logger = logging.getLogger("kaizen_actors.nats")

_NO_RESPONDERS = "503"
_EVENT, _MESSAGE = b"E", b"M"
_ABANDONED_KEPT = 1024
_TELLS_KEPT = 4096


@dataclass
class NatsStatistics:
    """Counters of one ``NatsTransport`` (also in the service API's STATS).

    Attributes:
        received: request frames that arrived for local actors.
        bad_frames: frames that did not decode (sent to dead letters).
        dropped: requests the NATS client dropped because an actor's pending
            queue was full (slow consumer); the sender got an error.
        refused: requests refused while the service drained.
        replies_sent: replies published to askers.
        asks: asks sent; ``tells``: tells sent.
        late_replies: replies that came after their ask gave up.
        disconnects / reconnects: connection events.

    """

    received: int = 0
    bad_frames: int = 0
    dropped: int = 0
    refused: int = 0
    replies_sent: int = 0
    asks: int = 0
    tells: int = 0
    late_replies: int = 0
    disconnects: int = 0
    reconnects: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)


class _Pending:
    """An ask waiting for its reply, and the events that arrive before it."""

    __slots__ = ("events", "name", "slot", "wake")

    def __init__(self, name: str, with_events: bool) -> None:
        self.name = name
        self.slot = ReplySlot()
        self.events: deque[Any] | None = deque() if with_events else None
        self.wake: asyncio.Event | None = asyncio.Event() if with_events else None


class NatsTransport(Transport):
    """Connects actor systems through a NATS server (nats-py, asyncio only).

    ``tell`` is a NATS publish, ``ask`` a publish with a reply subject on one
    shared reply inbox per transport (a correlation table, not
    ``nc.request()``). Frames are msgpack (:mod:`kaizen_actors.transport._frames`),
    never pickle. ``ask`` has the in-process semantics: ``AskTimeout``,
    ``ActorCrashed`` with the remote type and text, and ``ActorNotFound`` at
    once (from the server's "no responders" status) when nobody serves the name.

    Backpressure: a tell cannot see the remote mailbox. The receiving side
    puts each message in the actor's mailbox, waiting while it is full; while
    it waits, NATS buffers further messages for that actor in the
    subscription's pending queue, up to ``max_pending`` messages or
    ``max_pending_bytes``. Past that the NATS client drops them (slow consumer):
    each dropped message is recorded in the receiver's dead letters and its
    sender gets an error (an ask raises ``MailboxFull``-kind ``KaizenError``
    at once; a tell's sender records a dead letter). Memory stays bounded.
    A ``tell`` to a name nobody serves is recorded in the sender's dead letters
    when the server's "no responders" status comes back (one round trip later).

    Connection loss: the client reconnects on its own, forever, and
    re-subscribes. Asks waiting for a reply when the connection drops fail at
    once with ``TransportError``; asks sent while disconnected are buffered
    and either get their reply after the reconnect or ``AskTimeout``.

    Args:
        url: server URL(s), ``nats://host:4222``, ``tls://...``, comma-separated
            for a cluster. ``user:password@`` in the URL works; it is never logged.
        token: auth token.
        user: user name; ``password``: its password.
        nkeys_seed: an NKey seed (``SU...``) or the path of a file holding one
            (needs the ``nkeys`` package).
        creds: path of a ``.creds`` file (JWT + seed).
        tls: an ``ssl.SSLContext`` for TLS connections.
        durable: reserved: deliver asks through a JetStream work queue so that a
            task whose worker dies is redelivered (not implemented yet; raises
            ``NotImplementedError``).
        max_frame_size: largest frame sent or accepted (1 MiB, NATS's default
            ``max_payload``); larger ones raise ``FrameTooLarge``.
        name: connection name shown in NATS monitoring.
        max_pending: per-actor bound of messages buffered in the NATS client.
        max_pending_bytes: the same bound in bytes.
        connect_timeout: seconds to wait for the first connection.
        service: answer the NATS service API (``$SRV.PING/INFO/STATS``) with
            this system's actors and counters.
        reconnect_wait: seconds between reconnection attempts.

    Raises:
        ValueError: for contradictory options.
        NotImplementedError: for ``durable=True``.

    Version added: 0.1

    """

    def __init__(
        self,
        url: str | list[str] = "nats://127.0.0.1:4222",
        *,
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        nkeys_seed: str | None = None,
        creds: str | None = None,
        tls: ssl.SSLContext | None = None,
        durable: bool = False,
        max_frame_size: int = DEFAULT_MAX_FRAME,
        name: str | None = None,
        max_pending: int = 10_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        connect_timeout: float = 5.0,
        service: bool = False,
        reconnect_wait: float = 0.5,
    ) -> None:
        self.servers = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
        if user is None and password is not None:
            raise ValueError("password= needs user=")
        if durable:
            raise NotImplementedError(
                "durable=True (JetStream work queue with redelivery) is not implemented yet"
            )
        self._auth = {"token": token, "user": user, "password": password}
        self._nkeys_seed = nkeys_seed
        self._creds = creds
        self._tls = tls
        self.durable = durable
        self.max_frame_size = max_frame_size
        self.connection_name = name
        self.max_pending = max_pending
        self.max_pending_bytes = max_pending_bytes
        self.connect_timeout = connect_timeout
        self.service_enabled = service
        self.reconnect_wait = reconnect_wait
        self.statistics = NatsStatistics()
        self.namespace = ""
        self._secrets = tuple(s for s in (token, password, nkeys_seed) if s)
        self._nc: Client | None = None
        self._deliver: Deliver | None = None
        self._dead_letter: DeadLetterSink | None = None
        self._subs: dict[str, Subscription] = {}
        self._subjects: dict[str, str] = {}
        self._inbox = ""
        self._asks: dict[str, _Pending] = {}
        self._abandoned: OrderedDict[str, tuple[str, Any, str | None]] = OrderedDict()
        self._tells: OrderedDict[str, tuple[str, Any, str | None]] = OrderedDict()
        self._ids = itertools.count(1)
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._outbox_wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._refusing: str | None = None
        self._closed = False
        self._durable: Any = None
        self._service: Any = None

    # -- lifecycle -------------------------------------------------------------------

    def __repr__(self) -> str:
        servers = ",".join(redact_url(s) for s in self.servers)
        return f"<NatsTransport {servers} namespace={self.namespace!r}>"

    @property
    def client(self) -> Client:
        """The nats-py client (for advanced use).

        Raises:
            TransportError: when the transport is not started.

        """
        if self._nc is None:
            raise TransportError("the NATS transport is not connected; start the ActorSystem first")
        return self._nc

    @property
    def connected(self) -> bool:
        """Whether the client is connected right now (False while reconnecting)."""
        return self._nc is not None and self._nc.is_connected

    def _auth_for_tests(self) -> dict[str, Any]:
        return {
            **self._auth,
            "nkeys_seed": self._nkeys_seed,
            "creds": self._creds,
            "tls": self._tls,
        }

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def start(self, namespace: str, deliver: Deliver, dead_letter: DeadLetterSink) -> None:
        """Connect to NATS and start routing inbound messages of ``namespace``.

        Raises:
            TransportError: when the server cannot be reached or refuses the
                credentials (the message never contains them).

        """
        try:
            from nats.aio.client import Client as NatsClient
        except ImportError as exc:  # pragma: no cover - nats-py is a dependency
            raise TransportError("NATS transport needs nats-py: pip install nats-py") from exc
        self.namespace = namespace
        self._deliver = deliver
        self._dead_letter = dead_letter
        options: dict[str, Any] = {k: v for k, v in self._auth.items() if v is not None}
        if self._tls is not None:
            options["tls"] = self._tls
        if self._creds is not None:
            options["user_credentials"] = self._creds
        if self._nkeys_seed is not None:
            seed = self._nkeys_seed.strip()
            key = "nkeys_seed_str" if seed.startswith("S") and "/" not in seed else "nkeys_seed"
            options[key] = seed
        where = ",".join(redact_url(s) for s in self.servers)
        nc = NatsClient()
        try:
            await nc.connect(
                self.servers,
                name=self.connection_name or f"kaizen-actors {namespace}",
                allow_reconnect=False,  # fail the first connection fast and clearly
                max_reconnect_attempts=1,
                reconnect_time_wait=0.1,  # type: ignore[arg-type]
                connect_timeout=max(1, round(self.connect_timeout)),
                error_cb=self._on_connect_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
                pending_size=8 * 1024 * 1024,
                **options,
            )
        except ImportError as exc:
            raise TransportError(
                f"NATS auth option needs an extra package ({exc.name}): pip install nkeys"
            ) from None
        except Exception as exc:
            with contextlib.suppress(Exception):
                await nc.close()
            if nc._transport is not None:  # nats-py leaves the socket open after a refusal
                nc._transport.close()
            seen = [*self.__dict__.pop("_connect_errors", []), exc]
            auth = [e for e in seen if "uthoriz" in str(e) or "uthoriz" in type(e).__name__]
            exc = auth[0] if auth else (seen[-2] if len(seen) > 1 else exc)
            detail = self._redact(f"{type(exc).__name__}: {exc}".strip())
            hint = ""
            if "uthoriz" in detail or "auth" in detail.lower():
                hint = " (the server refused the credentials, or none were given)"
            raise TransportError(f"cannot connect to NATS at {where}: {detail}{hint}") from None
        self._nc = nc
        nc._error_cb = self._on_error
        # From now on, reconnect forever on our own.
        self._nc.options["allow_reconnect"] = True
        self._nc.options["max_reconnect_attempts"] = -1
        self._nc.options["reconnect_time_wait"] = self.reconnect_wait
        self._inbox = f"{self._nc.new_inbox()}."
        await self._nc.subscribe(
            f"{self._inbox}*",
            cb=self._on_inbox,
            pending_msgs_limit=1_000_000,
            pending_bytes_limit=256 * 1024 * 1024,
        )
        self._outbox_wake = asyncio.Event()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        if self.durable:
            from ._nats_durable import DurableQueue

            self._durable = DurableQueue(self)
            await self._durable.start()
        if self.service_enabled:
            from ._nats_service import start_service

            self._service = await start_service(self)

    async def close(self) -> None:
        """Publish the replies still queued, then disconnect; safe to call twice."""
        if self._closed or self._nc is None:
            self._closed = True
            return
        self._closed = True
        nc = self._nc
        for name in list(self._subs):
            await self.withdraw(name)
        with contextlib.suppress(Exception):
            if self._service is not None:
                await self._service.stop()
        if self._durable is not None:
            await self._durable.close()
        if self._writer is not None:
            self._writer.cancel()
        while self._outbox and nc.is_connected:  # the last replies, then goodbye
            subject, data = self._outbox.popleft()
            with contextlib.suppress(Exception):
                await nc.publish(subject, data)
        with contextlib.suppress(Exception):
            if nc.is_connected:
                await nc.flush(timeout=1)
        with contextlib.suppress(Exception):
            await nc.close()
        error = TransportError("the NATS transport closed while the ask waited for its reply")
        for pending in list(self._asks.values()):
            self._fail_pending(pending, error)

    def refuse(self, reason: str) -> None:
        """Refuse new inbound messages from now on (a service draining).

        Asks that arrive get an error with ``reason`` at once; tells go to dead
        letters. Messages already in mailboxes are not affected.
        """
        self._refusing = reason

    async def stop_serving(self) -> None:
        """Stop receiving messages for every local actor (draining a pool member).

        Other members of the pool get the new messages; with no other member
        the senders get ``ActorNotFound``.
        """
        for name in list(self._subs):
            await self.withdraw(name)

    # -- names -----------------------------------------------------------------------

    def _subject(self, name: str) -> str:
        subject = self._subjects.get(name)
        if subject is None:
            subject = actor_subject(self.namespace, name)
            if len(self._subjects) < 10_000:
                self._subjects[name] = subject
        return subject

    async def advertise(self, name: str) -> None:
        """Subscribe to ``name``'s subject, in the queue group of that name.

        Raises:
            TransportError: when the transport is closed.

        """
        if name.startswith("$") or name in self._subs:
            return  # internal names ($root) are not addressable from outside
        nc = self.client
        self._subs[name] = await nc.subscribe(
            self._subject(name),
            queue=escape(name),
            cb=partial(self._on_request, name),
            pending_msgs_limit=self.max_pending,
            pending_bytes_limit=self.max_pending_bytes,
        )
        if nc.is_connected:
            # A round trip, so the server knows the subscription before spawn()
            # returns: an ask from another connection right after finds it.
            # nats-py 2.16 writes flush()'s PING straight to the socket, ahead of
            # the SUB still in its pending buffer, so push the buffer out first.
            with contextlib.suppress(Exception):
                await nc._flush_pending(force_flush=True)
                await nc.flush(timeout=2)
        if self._durable is not None:
            await self._durable.advertise(name)
        if self._service is not None:
            self._service.update()

    async def withdraw(self, name: str) -> None:
        """Unsubscribe ``name``; requests still queued in the client get ``ActorNotFound``."""
        sub = self._subs.pop(name, None)
        if self._durable is not None:
            await self._durable.withdraw(name)
        if self._service is not None:
            self._service.update()
        if sub is None:
            return
        # drain: UNSUB, a round trip, then the messages already received are handled
        # (delivered, refused while draining, or ActorNotFound once the actor is gone).
        with anyio.move_on_after(2), contextlib.suppress(Exception):
            await sub.drain()
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        queue = getattr(sub, "_pending_queue", None)  # nats-py drops these silently otherwise
        while queue is not None and not queue.empty():
            msg = queue.get_nowait()
            if msg.reply:
                self._send(msg.reply, _error_reply(ActorNotFound(f"actor {name!r} stopped")))

    def served(self) -> list[str]:
        """Names this transport receives messages for."""
        return list(self._subs)

    # -- sending ---------------------------------------------------------------------

    async def _publish(self, subject: str, data: bytes, reply: str = "") -> None:
        nc = self.client
        try:
            await nc.publish(subject, data, reply=reply)
        except Exception as exc:
            raise TransportError(
                self._redact(f"cannot publish to NATS: {type(exc).__name__}: {exc}")
            ) from None

    async def tell(self, name: str, message: Any, sender: str | None) -> None:
        """Publish ``message`` to ``name``'s subject.

        Raises:
            FrameTooLarge: when the encoded message exceeds ``max_frame_size``.
            TransportError: when the connection is closed, or its buffer is
                full while reconnecting.

        """
        if self._durable is not None:
            await self._durable.tell(name, message, sender)
            return
        frame = encode_envelope(name, message, sender=sender, limit=self.max_frame_size)
        tid = f"t{next(self._ids)}"
        tells = self._tells
        tells[tid] = (name, message, sender)
        if len(tells) > _TELLS_KEPT:
            tells.popitem(last=False)
        self.statistics.tells += 1
        await self._publish(self._subject(name), frame, self._inbox + tid)

    async def ask(
        self,
        name: str,
        message: Any,
        sender: str | None,
        timeout: float,
        on_event: EventSink | None,
    ) -> Any:
        """Publish ``message`` with a reply subject and wait for the reply.

        Raises:
            ActorNotFound: at once when nobody serves ``name`` in the namespace.
            AskTimeout: when no reply arrives within ``timeout`` seconds.
            ActorCrashed: when the remote handler raised.
            FrameTooLarge: when the encoded message exceeds ``max_frame_size``.
            TransportError: when the connection was lost while waiting.

        """
        ask_id = str(next(self._ids))
        events = f"{self._inbox}e{ask_id}" if on_event is not None else None
        frame = encode_envelope(
            name, message, sender=sender, events=events, msg_id=ask_id, limit=self.max_frame_size
        )
        pending = _Pending(name, on_event is not None)
        self._asks[ask_id] = pending
        self.statistics.asks += 1
        try:
            if self._durable is not None:
                await self._durable.ask(name, frame, self._inbox + ask_id, ask_id)
            else:
                await self._publish(self._subject(name), frame, self._inbox + ask_id)
            if on_event is None:
                return await wait_reply(pending.slot, timeout, recipient=name)
            return await self._wait_with_events(pending, timeout, on_event)
        except BaseException:
            if not pending.slot.done:
                self._abandoned[ask_id] = (name, message, sender)
                if len(self._abandoned) > _ABANDONED_KEPT:
                    self._abandoned.popitem(last=False)
            raise
        finally:
            del self._asks[ask_id]

    async def _wait_with_events(
        self, pending: _Pending, timeout: float, on_event: EventSink
    ) -> Any:
        events, slot = pending.events, pending.slot
        assert events is not None and pending.wake is not None
        with anyio.move_on_after(timeout):
            while True:
                while events:
                    await on_event(events.popleft())
                if slot.done:
                    return await slot.wait()
                await pending.wake.wait()
                pending.wake.clear()
        slot.abandoned = True
        raise AskTimeout(f"no reply from {pending.name!r} within {timeout:g} s")

    # -- receiving: the reply inbox ----------------------------------------------------

    async def _on_inbox(self, msg: Msg) -> None:
        token = msg.subject[len(self._inbox) :]
        kind = token[:1]
        if kind == "e":
            self._on_event(token[1:], msg.data)
        elif kind == "t":
            self._on_tell_status(token, msg)
        else:
            self._on_reply(token, msg)

    def _on_reply(self, ask_id: str, msg: Msg) -> None:
        pending = self._asks.get(ask_id)
        if pending is None or pending.slot.done:
            self._late(ask_id, msg)
            return
        headers = msg.headers
        if headers and headers.get("Status") == _NO_RESPONDERS and not msg.data:
            error: BaseException = ActorNotFound(
                f"no actor named {pending.name!r} in namespace {self.namespace!r} "
                "(nobody serves it on the NATS server)"
            )
            pending.slot.set_exception(error)
        else:
            try:
                pending.slot.set_result(decode_reply(msg.data))
            except KaizenError as exc:
                pending.slot.set_exception(exc)
        if pending.wake is not None:
            pending.wake.set()
        if self._durable is not None:
            self._durable.replied(ask_id)

    def _late(self, ask_id: str, msg: Msg) -> None:
        abandoned = self._abandoned.pop(ask_id, None)
        if abandoned is None:
            return  # a duplicate (durable redelivery) of a reply already taken
        self.statistics.late_replies += 1
        name, message, sender = abandoned
        if self._dead_letter is not None:
            self._dead_letter(
                message,
                recipient=name,
                reason="late reply: the asker had stopped waiting (timeout or cancelled)",
                sender=sender,
            )

    def _on_event(self, ask_id: str, data: bytes) -> None:
        pending = self._asks.get(ask_id)
        if pending is None or pending.events is None or pending.wake is None:
            return
        try:
            kind, body = data[:1], data[1:]
            event = decode_event(body) if kind == _EVENT else decode(body)
        except DecodeError as exc:
            if self._dead_letter is not None:
                self._dead_letter(bytes(data), recipient=pending.name, reason=f"bad event: {exc}")
            return
        pending.events.append(event)
        pending.wake.set()

    def _on_tell_status(self, tell_id: str, msg: Msg) -> None:
        told = self._tells.pop(tell_id, None)
        if told is None or self._dead_letter is None:
            return
        name, message, sender = told
        headers = msg.headers
        if headers and headers.get("Status") == _NO_RESPONDERS and not msg.data:
            reason = f"no actor named {name!r} in namespace {self.namespace!r} (no NATS responders)"
        else:
            try:
                decode_reply(msg.data)
                return
            except KaizenError as exc:
                reason = f"the receiver dropped it: {exc}"
        self._dead_letter(message, recipient=name, reason=reason, sender=sender)

    # -- receiving: requests for local actors ----------------------------------------------

    async def _on_request(self, name: str, msg: Msg) -> None:
        self.statistics.received += 1
        try:
            envelope, message = decode_envelope(msg.data, limit=self.max_frame_size)
        except DecodeError as exc:
            self._bad_frame(name, msg, exc)
            return
        await self.handle(
            name, message, envelope.sender, msg.reply, envelope.msg_id, envelope.events
        )

    def _bad_frame(self, name: str, msg: Msg, exc: Exception) -> None:
        self.statistics.bad_frames += 1
        if self._dead_letter is not None:
            self._dead_letter(
                bytes(msg.data), recipient=name, reason=f"bad frame on {msg.subject}: {exc}"
            )
        if msg.reply:
            self._send(msg.reply, _error_reply(DecodeError(f"bad frame: {exc}")))

    async def handle(
        self,
        name: str,
        message: Any,
        sender: str | None,
        reply_to: str,
        ask_id: str | None,
        events: str | None,
        on_done: Any = None,
    ) -> None:
        """Deliver a decoded inbound request to the local actor ``name``."""
        reply = _RemoteReply(self, reply_to, on_done) if ask_id is not None and reply_to else None
        if self._refusing is not None or self._deliver is None:
            self.statistics.refused += 1
            error = SystemStopped(self._refusing or "the actor system stopped")
            if reply is None or not reply.set_exception(error):
                if reply_to and ask_id is None:
                    self._send(reply_to, _error_reply(error))
                if self._dead_letter is not None:
                    self._dead_letter(message, recipient=name, reason=str(error), sender=sender)
            return
        on_event = partial(self._publish_event, events) if events else None
        try:
            await self._deliver(name, message, sender, reply, on_event)
        except Exception as exc:  # the system stopped under us
            if reply is not None:
                reply.set_exception(exc)

    async def _publish_event(self, subject: str, event: Any) -> None:
        if isinstance(event, Event):
            data = _EVENT + encode_event(event)
        elif isinstance(event, Message):
            data = _MESSAGE + encode(event)
        else:
            raise TypeError(
                f"events sent over NATS must be ka.events.Event or ka.Message, "
                f"not {type(event).__name__}"
            )
        # Published directly: the handler emits before it returns, and its reply
        # is queued after, so every event precedes the reply on this connection.
        await self._publish(subject, data)

    def _send(self, subject: str, data: bytes) -> None:
        """Queue a publish from synchronous code (replies); the writer task sends it."""
        if self._closed or self._outbox_wake is None:
            return
        self._outbox.append((subject, data))
        self._outbox_wake.set()

    async def _write_loop(self) -> None:
        outbox, wake = self._outbox, self._outbox_wake
        assert wake is not None
        while True:
            await wake.wait()
            wake.clear()
            while outbox:
                subject, data = outbox.popleft()
                try:
                    await self.client.publish(subject, data)
                except Exception as exc:
                    logger.warning("could not send a reply: %s", self._redact(str(exc)))

    # -- connection events -------------------------------------------------------------

    async def _on_connect_error(self, exc: Exception) -> None:
        """Errors of the first connection are raised by start(), with the last one."""
        errors = self.__dict__.setdefault("_connect_errors", [])
        errors.append(exc)

    async def _on_error(self, exc: Exception) -> None:
        from nats.errors import SlowConsumerError

        if isinstance(exc, SlowConsumerError):
            self._slow_consumer(exc)
            return
        logger.warning("NATS: %s", self._redact(f"{type(exc).__name__}: {exc}"))

    def _slow_consumer(self, exc: Any) -> None:
        self.statistics.dropped += 1
        subject = getattr(exc, "subject", "") or ""
        name = next((n for n, s in self._subjects.items() if s == subject), subject)
        error = MailboxFull(
            f"actor {name!r} is overloaded: its mailbox and NATS pending queue "
            f"({self.max_pending} messages) are full; the message was dropped"
        )
        if exc.reply:
            self._send(exc.reply, _error_reply(error))
        if self._dead_letter is not None:
            self._dead_letter(None, recipient=name, reason=str(error))

    async def _on_disconnected(self) -> None:
        if self._closed or self._nc is None:
            return
        self.statistics.disconnects += 1
        logger.warning("NATS connection lost; reconnecting")
        error = TransportError(
            "the connection to NATS was lost while the ask waited for its reply; "
            "it may or may not have been handled"
        )
        for pending in list(self._asks.values()):
            self._fail_pending(pending, error)

    def _fail_pending(self, pending: _Pending, error: BaseException) -> None:
        pending.slot.set_exception(error)
        if pending.wake is not None:
            pending.wake.set()

    async def _on_reconnected(self) -> None:
        self.statistics.reconnects += 1
        logger.info("NATS connection re-established")


class _RemoteReply:
    """Publishes the reply of a remote ask to the asker's reply subject."""

    __slots__ = ("_done", "_on_done", "_subject", "_transport")

    def __init__(self, transport: NatsTransport, subject: str, on_done: Any = None) -> None:
        self._transport = transport
        self._subject = subject
        self._on_done = on_done
        self._done = False

    def _publish(self, data: bytes) -> bool:
        if self._done:
            return False
        self._done = True
        transport = self._transport
        transport._send(self._subject, data)
        transport.statistics.replies_sent += 1
        if self._on_done is not None:
            self._on_done()
        return True

    def set_result(self, value: Any) -> bool:
        return self._publish(encode_reply(value, limit=self._transport.max_frame_size))

    def set_exception(self, error: BaseException) -> bool:
        return self._publish(_error_reply(error))
