"""``durable=True``: messages go through a JetStream work queue and survive a worker's death.

One work-queue stream per namespace, ``KA_<ns>``, holds the subjects
``ka.<ns>.d.<actor>``. Every system serving an actor pulls from one durable
consumer named after the actor (the pool shares it), fetching up to
``prefetch`` messages ahead of its handler. A message is acked after its
reply is queued; while the handler runs the worker sends in-progress
heartbeats every ``ack_wait / 3`` seconds, so slow handlers are not
redelivered. When a worker dies (or loses its connection) with a message
unacked, JetStream redelivers it after ``ack_wait`` to another worker; the
handler runs again (at-least-once) and the asker keeps the first reply and
ignores the others (replies are matched by ask id). Each publish carries a
``Nats-Msg-Id`` header, so a repeated publish is stored once.

A worker that is draining, or whose actor stops before handling a message,
naks it for redelivery rather than failing the ask. An ask to a name that no
worker ever served fails at once with ``ActorNotFound``; once a consumer
exists, asks wait in the queue for a worker (up to their timeout).

The stream is stored on disk: a nats-server restarted on the same store
keeps the queued messages, and workers pull again as soon as they reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from ..messages import ActorNotFound, ActorStopped, DecodeError, SystemStopped, TransportError
from ._frames import decode_envelope
from ._nats_subjects import durable_consumer, durable_stream, durable_subject, durable_subjects

if TYPE_CHECKING:
    from collections.abc import Callable

    from nats.aio.client import Client
    from nats.aio.msg import Msg

    from ._nats_options import NatsOptions
    from ._nats_serving import Inbound
    from ._nats_statistics import NatsStatistics

__all__ = ["DurableHost", "DurableQueue"]

logger = logging.getLogger("kaizen_actors.nats")

REPLY_HEADER = "Ka-Reply"
_ACK, _PROGRESS = b"+ACK", b"+WPI"
_NAK_LATER = b'-NAK {"delay": 500000000}'  # another worker, or this one after 0.5 s
_FETCH_WAIT = 5.0


class DurableHost(Protocol):
    """What the durable queue uses of its transport (a ``NatsTransport``)."""

    namespace: str
    statistics: NatsStatistics

    @property
    def client(self) -> Client:
        """The connected nats-py client."""
        ...

    def signature(self, subject: str, reply: str, data: bytes) -> dict[str, str]:
        """The headers that sign a frame published through JetStream."""
        ...

    def rejects(self, msg: Msg, recipient: str, reply: str | None = None) -> bool:
        """Whether ``msg`` lacks a valid signature (then it is recorded)."""
        ...


class DurableQueue:
    """The JetStream side of one transport with ``durable=True``.

    Args:
        transport: the transport, through :class:`DurableHost`.
        inbound: its serving side, which delivers what is pulled and sends acks.
        options: the transport's options (``ack_wait``, ``prefetch``,
            ``reconnect_wait``, ``max_frame_size``).
        redact: masks the transport's secrets in error texts.

    """

    def __init__(
        self,
        transport: DurableHost,
        inbound: Inbound,
        options: NatsOptions,
        redact: Callable[[str], str],
    ) -> None:
        self.transport = transport
        self._inbound = inbound
        self._options = options
        self._redact = redact
        self.ack_wait = options.ack_wait
        self.prefetch = options.prefetch
        self.stream = durable_stream(transport.namespace)
        self._closed = False
        self._js: Any = None
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._fetches: dict[str, anyio.CancelScope] = {}
        self._unacked: dict[int, Msg] = {}
        self._consumers: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Create the namespace's stream when it does not exist yet.

        Raises:
            TransportError: when JetStream is not enabled on the server, or the
                stream exists with another configuration.

        """
        from nats.js.api import RetentionPolicy, StorageType, StreamConfig
        from nats.js.errors import Error as JetStreamError
        from nats.js.errors import NotFoundError

        self._js = self.transport.client.jetstream(timeout=5)
        config = StreamConfig(
            name=self.stream,
            subjects=[durable_subjects(self.transport.namespace)],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=120.0,
        )
        try:
            try:
                await self._js.stream_info(self.stream)
            except NotFoundError:
                await self._js.add_stream(config)
        except JetStreamError as exc:
            raise TransportError(
                f"durable=True needs JetStream on the NATS server (nats-server -js) and "
                f"stream {self.stream!r} as a work queue: {exc}"
            ) from None
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def close(self) -> None:
        """Stop pulling; unacked messages are redelivered to other workers after ``ack_wait``."""
        self._closed = True
        for name in list(self._loops):
            await self.withdraw(name)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(BaseException):
                await self._heartbeat

    # -- sending ---------------------------------------------------------------------

    async def publish(self, name: str, frame: bytes, msg_id: str, reply: str = "") -> None:
        """Store ``frame`` in ``name``'s work queue (waits for JetStream's ack).

        Raises:
            ActorNotFound: when no worker ever served ``name`` in the namespace.
            TransportError: when JetStream does not store it.

        """
        await self._check_consumer(name)
        subject = durable_subject(self.transport.namespace, name)
        headers = {"Nats-Msg-Id": msg_id, **self.transport.signature(subject, reply, frame)}
        if reply:
            headers[REPLY_HEADER] = reply
        try:
            await self._js.publish(subject, frame, headers=headers)
        except Exception as exc:
            raise TransportError(
                self._redact(
                    f"JetStream did not store the message for {name!r}: {type(exc).__name__}: {exc}"
                )
            ) from None

    async def _check_consumer(self, name: str) -> None:
        if name in self._consumers:
            return
        from nats.js.errors import NotFoundError

        try:
            await self._js.consumer_info(self.stream, durable_consumer(name))
        except NotFoundError:
            raise ActorNotFound(
                f"no actor named {name!r} in namespace {self.transport.namespace!r} "
                "(no worker has served it through the durable queue)"
            ) from None
        self._consumers.add(name)

    # -- serving ---------------------------------------------------------------------

    async def advertise(self, name: str) -> None:
        """Bind ``name``'s durable consumer (creating it) and start pulling from it."""
        from nats.js.api import AckPolicy, ConsumerConfig

        if name in self._loops:
            return
        config = ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,
            max_ack_pending=-1,
        )
        psub = await self._js.pull_subscribe(
            durable_subject(self.transport.namespace, name),
            durable=durable_consumer(name),
            stream=self.stream,
            config=config,
        )
        self._consumers.add(name)
        loop = asyncio.get_running_loop()
        self._loops[name] = loop.create_task(self._pull(name, psub))

    async def withdraw(self, name: str) -> None:
        """Stop pulling for ``name`` (the consumer stays for the rest of the pool)."""
        task = self._loops.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _pull(self, name: str, psub: Any) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        room = anyio.Semaphore(self.prefetch)
        try:
            while True:
                await room.acquire()
                try:
                    with anyio.CancelScope() as fetching:
                        self._fetches[name] = fetching
                        [msg] = await psub.fetch(1, timeout=_FETCH_WAIT)
                    if fetching.cancelled_caught:  # reconnected: that pull request is gone
                        room.release()
                        continue
                except NatsTimeout:
                    room.release()
                    continue
                except Exception as exc:
                    room.release()
                    if self._closed:
                        return
                    logger.warning(
                        "pulling %r: %s",
                        name,
                        self._redact(f"{type(exc).__name__}: {exc}"),
                    )
                    await anyio.sleep(self._options.reconnect_wait)
                    continue
                await self._take(name, msg, room)
        finally:
            self._fetches.pop(name, None)
            with contextlib.suppress(BaseException):
                await psub.unsubscribe()

    def reconnected(self) -> None:
        """Pull again at once: a server that restarted forgot the pull requests waiting on it."""
        for fetching in self._fetches.values():
            fetching.cancel()

    async def _take(self, name: str, msg: Msg, room: anyio.Semaphore) -> None:
        inbound = self._inbound
        self.transport.statistics.received += 1
        if inbound.refusing is not None:
            inbound.send(msg.reply, _NAK_LATER)
            room.release()
            return
        reply_to = (msg.headers or {}).get(REPLY_HEADER, "")
        if self.transport.rejects(msg, name, reply_to):
            inbound.send(msg.reply, b"+TERM")
            room.release()
            return
        try:
            envelope, message = decode_envelope(msg.data, limit=self._options.max_frame_size)
        except DecodeError as exc:
            inbound.bad_frame(name, msg, exc, answer=False)
            inbound.send(msg.reply, b"+TERM")
            room.release()
            return
        self._unacked[id(msg)] = msg
        await inbound.handle(
            name,
            message,
            envelope.sender,
            reply_to,
            envelope.msg_id if reply_to else None,
            envelope.events,
            on_done=partial(self._done, msg, room),
            headers=envelope.headers,
        )

    def _done(
        self,
        msg: Msg,
        room: anyio.Semaphore,
        error: BaseException | None,
        reply_to: str,
        frame: bytes,
    ) -> None:
        """Handled: publish the reply, then ack. Never handled (the actor stopped): nak."""
        if self._unacked.pop(id(msg), None) is None:
            return
        room.release()
        inbound = self._inbound
        if isinstance(error, (SystemStopped, ActorStopped)):
            inbound.send(msg.reply, _NAK_LATER)  # redelivered; the asker keeps waiting
            return
        if reply_to:
            inbound.reply(reply_to, frame)
        inbound.send(msg.reply, _ACK)

    async def _beat(self) -> None:
        """Tell JetStream that the unacked messages are still being worked on."""
        send = self._inbound.send
        while True:
            await anyio.sleep(self.ack_wait / 3)
            for msg in list(self._unacked.values()):
                send(msg.reply, _PROGRESS)
