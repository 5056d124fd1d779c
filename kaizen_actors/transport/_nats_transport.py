"""``NatsTransport``: actor systems in several processes and machines, through a NATS server.

See :mod:`kaizen_actors.transport._nats_subjects` for the subject scheme. The
parts: :mod:`._nats_connection` (connecting, auth), :mod:`._nats_shim`
(nats-py internals: a publish that never waits), :mod:`._nats_inbox` (the
asking side: reply inbox and correlation), :mod:`._nats_serving` (the
serving side: requests for local actors), :mod:`._nats_durable`
(``durable=True``), :mod:`._nats_service` (the NATS service API). nats-py
runs on asyncio only: a system with a NATS transport must run under asyncio
(``anyio.run(main)``, the default backend), not trio.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from ..messages import ConfigError, TransportError
from ._base import EventSink, Transport
from ._frames import DEFAULT_MAX_FRAME, encode_envelope
from ._nats_connection import connect
from ._nats_flow import DEFAULT_WINDOW
from ._nats_inbox import ReplyInbox
from ._nats_options import NatsOptions, OptionAttributes
from ._nats_serving import Inbound
from ._nats_shim import flush_pending, publish_nowait
from ._nats_signing import HEADER, HEADER_BYTES
from ._nats_statistics import NatsStatistics
from ._nats_subjects import (
    RandomTokens,
    actor_subject,
    cancel_notice,
    cancel_subject,
    credit_subject,
    events_subject,
    inbox_prefix,
    inbox_space,
    inbox_subjects,
    namespace_space,
    redact,
    redact_url,
    reply_subject,
)

if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence

    from nats.aio.client import Client
    from nats.aio.msg import Msg

    from ._base import DeadLetterSink, Deliver
    from ._nats_durable import DurableQueue
    from ._nats_service import ServiceHandle
    from ._nats_signing import Signer

__all__ = ["NatsOptions", "NatsStatistics", "NatsTransport"]

logger = logging.getLogger("kaizen_actors.nats")

_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(NatsOptions) if f.init}


class NatsTransport(Transport, OptionAttributes):
    """Connects actor systems through a NATS server (nats-py, asyncio only).

    ``tell`` is a NATS publish, ``ask`` a publish with a reply subject on one
    shared reply inbox per transport (a correlation table, not
    ``nc.request()``). Frames are msgpack (:mod:`kaizen_actors.transport._frames`),
    never pickle. ``ask`` has the in-process semantics: ``AskTimeout``,
    ``ActorCrashed`` with the remote type and text, ``ActorNotFound`` at once
    (from the server's "no responders" status) when nobody serves the name,
    and cancelling the asker cancels the remote handler.

    Backpressure, connection loss and strangers on the same server are
    described in :mod:`kaizen_actors.transport.nats`.

    Args:
        url: server URL(s), ``nats://host:4222``, ``tls://...``, comma-separated
            for a cluster. ``user:password@`` in the URL works; it is never logged.
        token: auth token.
        user: user name; ``password``: its password.
        nkeys_seed: an NKey seed (``SU...``) or the path of a file holding one
            (needs the ``nkeys`` package).
        creds: path of a ``.creds`` file (JWT + seed).
        tls: an ``ssl.SSLContext`` for TLS connections.
        durable: send tells and asks through a JetStream work queue (see
            :mod:`kaizen_actors.transport._nats_durable`): a message whose
            worker dies is redelivered to another worker of the pool. Needs
            JetStream on the server; every system of the namespace must use it.
        ack_wait: ``durable`` only: seconds without an ack or heartbeat after
            which JetStream redelivers a message (heartbeats every third of it).
        prefetch: ``durable`` only: messages a worker takes ahead per actor.
        max_frame_size: largest frame sent or accepted (1 MiB, NATS's default
            ``max_payload``); larger ones raise ``FrameTooLarge``. A server
            whose ``max_payload`` is smaller lowers it (:attr:`frame_limit`).
        name: connection name shown in NATS monitoring.
        max_pending: per-actor bound of messages buffered in the NATS client.
        max_pending_bytes: the same bound in bytes.
        connect_timeout: seconds to wait for the first connection.
        service: answer the NATS service API (``$SRV.PING/INFO/STATS``) with
            this system's actors and counters.
        reconnect_wait: seconds between reconnection attempts.
        event_window: events of one ask a handler here may have in flight
            before the asker has consumed them (flow control: a slow consumer
            slows the handler, as in-process).
        event_credit_timeout: seconds a handler waits for an asker that takes
            none of its events before its ``ctx.emit`` raises ``TransportError``.
        signing_key: sign every frame and drop frames without a valid
            signature: a key (``str`` or ``bytes``, at least 16 bytes), or a
            list of keys for rotation (the first signs, all verify). ``None``
            reads ``KAIZEN_SIGNING_KEY`` (comma-separated for several keys);
            unset, frames are not signed. Every system of the namespace needs
            a key that the others verify. The keys are never shown.
        options: all of the above in one :class:`NatsOptions` instead (then
            give none of them as keywords).

    Raises:
        ConfigError: for contradictory options, options given both ways, or
            a signing key that is empty, too short, or not ``str``/``bytes``
            (naming the key at fault; also a ``ValueError``).

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
        ack_wait: float = 30.0,
        prefetch: int = 8,
        max_frame_size: int = DEFAULT_MAX_FRAME,
        name: str | None = None,
        max_pending: int = 10_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        connect_timeout: float = 5.0,
        service: bool = False,
        reconnect_wait: float = 0.5,
        event_window: int = DEFAULT_WINDOW,
        event_credit_timeout: float = 60.0,
        signing_key: str | bytes | Sequence[str | bytes] | None = None,
        options: NatsOptions | None = None,
    ) -> None:
        given = locals()
        keywords: dict[str, Any] = {key: given[key] for key in _DEFAULTS}  # the option keywords
        if options is None:
            options = NatsOptions(**keywords)
        else:
            both = [key for key, value in keywords.items() if value != _DEFAULTS[key]]
            if both:
                raise ConfigError(
                    f"give options= or keyword options, not both (also given: {', '.join(both)})",
                    key="options",
                )
        self.options = options
        """The options, as one frozen :class:`NatsOptions`."""
        urls = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
        self._urls = urls
        self.servers = [redact_url(u) for u in urls]
        """The server URLs, without the credentials a URL may hold (``***@host``)."""
        self.frame_limit = options.max_frame_size
        """The largest frame sent now: ``max_frame_size``, or less when the server's
        ``max_payload`` is smaller (learned on every connect; a signature's header
        counts against it). A reply over it answers the asker with ``FrameTooLarge``
        naming the actor instead of being dropped."""
        self._signer: Signer | None = None
        self._space = ""
        self.statistics = NatsStatistics()
        self._tokens = RandomTokens()
        self.namespace = ""
        self.deliver: Deliver | None = None
        self._nc: Client | None = None
        self._dead_letter: DeadLetterSink | None = None
        self._inbox: ReplyInbox | None = None
        self._inbound = Inbound(self, options, self._tokens, self._redact)
        self._cancel_subject = ""
        self._closed = False
        self._durable: DurableQueue | None = None
        self._service: ServiceHandle | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __repr__(self) -> str:
        servers = ",".join(self.servers)
        signed = " signed" if self.signed else ""
        return f"<NatsTransport {servers} namespace={self.namespace!r}{signed}>"

    @property
    def signed(self) -> bool:
        """Whether this transport signs its frames and drops frames without a valid signature."""
        return self.options.signing_keys is not None

    @property
    def credit_prefix(self) -> str:
        """Subject prefix on which askers grant credit for the events of asks served here."""
        if self._inbox is None:
            raise TransportError("the NATS transport is not connected; start the ActorSystem first")
        return credit_subject(self._inbox.prefix, "")

    def _learn_frame_limit(self) -> None:
        nc = self._nc
        limit = self.max_frame_size
        if nc is not None and nc.max_payload:
            room = nc.max_payload - (HEADER_BYTES if self.signed else 0)
            limit = min(limit, room)
        self.frame_limit = limit

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

    def _redact(self, text: str) -> str:
        return redact(text, self.options.secrets)

    def dead_letter(
        self, message: Any, *, recipient: str, reason: str, sender: str | None = None
    ) -> None:
        """Record a dropped message in the system's dead letters."""
        if self._dead_letter is not None:
            self._dead_letter(message, recipient=recipient, reason=reason, sender=sender)

    async def start(self, namespace: str, deliver: Deliver, dead_letter: DeadLetterSink) -> None:
        """Connect to NATS and start routing inbound messages of ``namespace``.

        Raises:
            TransportError: when the server cannot be reached or refuses the
                credentials (the message never contains them), or ``durable``
                finds no JetStream.

        """
        self.namespace = namespace
        self.deliver = deliver
        self._dead_letter = dead_letter
        self._space = namespace_space(namespace)
        keys = self.options.signing_keys
        if keys is not None:
            self._signer = keys.signer(namespace)
        nc = self._nc = await connect(
            self._urls,
            self.options.auth,
            name=self.connection_name or f"kaizen-actors {namespace}",
            connect_timeout=self.connect_timeout,
            reconnect_wait=self.reconnect_wait,
            inbox_prefix=inbox_space(namespace),
            callbacks={
                "error_cb": self._on_error,
                "disconnected_cb": self._on_disconnected,
                "reconnected_cb": self._on_reconnected,
            },
        )
        self._learn_frame_limit()
        try:
            self._inbox = ReplyInbox(
                inbox_prefix(namespace, self._tokens.next()),
                namespace,
                self.dead_letter,
                self.statistics,
                self._tokens,
                send=self._inbound.send,
                on_credit=self._inbound.credit,
                rejects=self.rejects if self._signer is not None else None,
            )
            await nc.subscribe(
                inbox_subjects(self._inbox.prefix),
                cb=self._inbox.on_message,
                pending_msgs_limit=1_000_000,
                pending_bytes_limit=256 * 1024 * 1024,
            )
            self._cancel_subject = cancel_subject(namespace)
            await self._inbound.start(self._inbox.prefix)
            if self.durable:
                from ._nats_durable import DurableQueue

                self._durable = DurableQueue(self, self._inbound, self.options, self._redact)
                await self._durable.start()
            if self.service_enabled:
                from ._nats_service import start_service

                self._service = await start_service(self)
        except BaseException:
            with contextlib.suppress(Exception):
                await nc.close()
            raise

    async def close(self) -> None:
        """Publish the replies still queued, then disconnect; safe to call twice."""
        if self._closed or self._nc is None:
            self._closed = True
            return
        self._closed = True
        nc = self._nc
        with contextlib.suppress(Exception):
            if self._service is not None:
                await self._service.stop()
        if self._durable is not None:
            await self._durable.close()
        await self._inbound.close()
        with contextlib.suppress(Exception):
            if nc.is_connected:
                await nc.flush(timeout=1)
        with contextlib.suppress(Exception):
            await nc.close()
        if self._inbox is not None:
            self._inbox.fail_all(
                TransportError("the NATS transport closed while the ask waited for its reply")
            )

    def refuse(self, reason: str) -> None:
        """Refuse new inbound messages from now on (a service draining).

        Asks that arrive get an error with ``reason`` at once (durable ones go
        back to the queue for another worker); tells go to dead letters.
        Messages already in mailboxes are not affected.
        """
        self._inbound.refusing = reason

    async def stop_serving(self) -> None:
        """Stop receiving messages for every local actor (draining a pool member).

        Other members of the pool get the new messages; with no other member
        the senders get ``ActorNotFound`` (durable messages wait in the queue).
        """
        for name in self.served():
            await self.withdraw(name)

    # -- names -----------------------------------------------------------------------

    async def advertise(self, name: str) -> None:
        """Subscribe to ``name``'s subject, in the queue group of that name.

        Raises:
            TransportError: when the transport is closed.

        """
        if name.startswith("$") or name in self._inbound.subs:
            return  # internal names ($root) are not addressable from outside
        await self._inbound.subscribe(name)
        if self._durable is not None:
            await self._durable.advertise(name)
        if self._service is not None:
            self._service.update()

    async def withdraw(self, name: str) -> None:
        """Unsubscribe ``name``; requests still queued in the client get ``ActorNotFound``."""
        if self._durable is not None:
            await self._durable.withdraw(name)
        await self._inbound.unsubscribe(name)
        if self._service is not None:
            self._service.update()

    def served(self) -> list[str]:
        """Names this transport receives messages for."""
        return list(self._inbound.subs)

    # -- sending ---------------------------------------------------------------------

    def send_frame(self, subject: str, data: bytes, reply: str = "") -> bool:
        """Queue a frame now (see :func:`publish_nowait`), signed when it is for the namespace.

        Returns False when the client's buffer is past its limit.

        Raises:
            TransportError: when the transport is not connected or the
                connection is closed.

        """
        nc = self.client
        signer = self._signer
        if signer is not None and subject.startswith(self._space):
            return publish_nowait(nc, subject, data, reply, signer.header(subject, reply, data))
        return publish_nowait(nc, subject, data, reply)

    def signature(self, subject: str, reply: str, data: bytes) -> dict[str, str]:
        """The headers that sign a frame published another way (JetStream); ``{}`` unsigned."""
        signer = self._signer
        return {} if signer is None else {HEADER: signer.value(subject, reply, data)}

    def rejects(self, msg: Msg, recipient: str, reply: str | None = None) -> bool:
        """Whether ``msg`` lacks a valid signature; if so it is counted and dead-lettered.

        ``reply`` is the reply subject the signature covers, when it is not
        ``msg.reply`` (the durable queue's ``Ka-Reply`` header).
        """
        signer = self._signer
        if signer is None:
            return False
        why = signer.check(
            msg.subject, msg.reply if reply is None else reply, msg.data, msg.headers
        )
        if not why:
            return False
        self.statistics.bad_signatures += 1
        self.dead_letter(
            bytes(msg.data),
            recipient=recipient,
            reason=f"dropped a frame on {msg.subject} without a valid signature: {why}",
        )
        return True

    async def _publish(self, subject: str, data: bytes, reply: str = "") -> None:
        try:
            if self.send_frame(subject, data, reply):
                return
            await flush_pending(self.client)
        except TransportError as exc:
            raise TransportError(self._redact(f"cannot publish to NATS: {exc}")) from None

    async def tell(
        self,
        name: str,
        message: Any,
        sender: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Publish ``message`` to ``name``'s subject (``headers`` in its frame, signed with it).

        Raises:
            FrameTooLarge: when the encoded message exceeds :attr:`frame_limit`.
            EncodeError: when the message holds a value msgpack cannot carry.
            ActorNotFound: ``durable`` only: when no worker ever served ``name``.
            TransportError: when the connection is closed, or its buffer is
                full while reconnecting.

        """
        frame = encode_envelope(
            name, message, sender=sender, headers=headers, limit=self.frame_limit
        )
        inbox = self._inbox
        if inbox is None:
            raise TransportError("the NATS transport is not connected; start the ActorSystem first")
        self.statistics.tells += 1
        status = inbox.tell_subject(name, message, sender)
        if self._durable is not None:
            await self._durable.publish(name, frame, status)
            return
        await self._publish(actor_subject(self.namespace, name), frame, status)

    async def ask(
        self,
        name: str,
        message: Any,
        sender: str | None,
        timeout: float,
        on_event: EventSink | None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Publish ``message`` with a reply subject and wait for the reply.

        ``headers`` travel in the frame (signed with it when ``signing_key`` is set).

        Raises:
            ActorNotFound: at once when nobody serves ``name`` in the namespace.
            AskTimeout: when no reply arrives within ``timeout`` seconds.
            ActorCrashed: when the remote handler raised.
            FrameTooLarge: when the encoded message exceeds :attr:`frame_limit`,
                or the reply exceeded it on the serving side.
            EncodeError: when the message, or the reply, holds a value
                msgpack cannot carry.
            TransportError: when the connection was lost while waiting.

        """
        inbox = self._inbox
        if inbox is None:
            raise TransportError("the NATS transport is not connected; start the ActorSystem first")
        secret, ask_id, pending = inbox.open(
            name, message, sender, timeout, events=on_event is not None
        )
        reply = reply_subject(inbox.prefix, ask_id)
        try:
            frame = encode_envelope(
                name,
                message,
                sender=sender,
                events=events_subject(inbox.prefix, ask_id) if on_event is not None else None,
                msg_id=ask_id,
                headers=headers,
                limit=self.frame_limit,
            )
            self.statistics.asks += 1
            if self._durable is not None:
                await self._durable.publish(name, frame, reply, reply)
            else:
                await self._publish(actor_subject(self.namespace, name), frame, reply)
        except BaseException:
            inbox.asks.pop(ask_id, None)
            pending.future.cancel()
            raise
        try:
            return await inbox.wait(ask_id, pending, on_event)
        except asyncio.CancelledError:
            self._cancel_remote(cancel_notice(inbox.prefix, secret))
            raise

    def _cancel_remote(self, notice: bytes) -> None:
        """Tell the transport handling an ask to cancel it.

        ``notice`` is the inbox prefix and the ask's cancel secret
        (:func:`~._nats_subjects.cancel_notice`): the serving side cancels
        the ask whose reply subject they make.
        """
        if self._nc is not None and not self._closed:
            with contextlib.suppress(Exception):
                self.send_frame(self._cancel_subject, notice)

    # -- connection events -------------------------------------------------------------

    async def _on_error(self, exc: Exception) -> None:
        from nats.errors import SlowConsumerError

        if isinstance(exc, SlowConsumerError):
            self._inbound.slow_consumer(exc)
            return
        logger.warning("NATS: %s", self._redact(f"{type(exc).__name__}: {exc}"))

    async def _on_disconnected(self) -> None:
        if self._closed or self._nc is None:
            return
        self.statistics.disconnects += 1
        logger.warning("NATS connection lost; reconnecting")
        if self._inbox is not None:
            self._inbox.fail_all(
                TransportError(
                    "the connection to NATS was lost while the ask waited for its reply; "
                    "it may or may not have been handled"
                )
            )

    async def _on_reconnected(self) -> None:
        self.statistics.reconnects += 1
        self._learn_frame_limit()  # another server of a cluster may allow less
        logger.info("NATS connection re-established")
        if self._durable is not None:
            self._durable.reconnected()
