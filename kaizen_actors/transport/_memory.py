"""In-process transport: actor systems in one process that share a ``MemoryHub``."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from ..messages import ActorNotFound, DecodeError, KaizenError, SystemStopped
from ._base import Deliver, EventSink, ReplySlot, Transport
from ._frames import (
    DEFAULT_MAX_FRAME,
    decode_envelope,
    decode_reply,
    encode_envelope,
    encode_reply,
    error_reply,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._base import DeadLetterSink

__all__ = ["MemoryHub", "MemoryTransport"]


class MemoryHub:
    """A namespace registry shared by the ``MemoryTransport`` of several systems.

    Systems whose transports share a hub and whose names are equal form one
    namespace: each can ``ref()`` and ``ask`` the others' actors by name. A
    name served by several systems is a worker pool; messages go round-robin.

    Version added: 0.1
    """

    def __init__(self) -> None:
        self._served: dict[tuple[str, str], list[MemoryTransport]] = {}
        self._turn = itertools.count()

    def _pick(self, namespace: str, name: str) -> MemoryTransport | None:
        servers = self._served.get((namespace, name))
        if not servers:
            return None
        return servers[next(self._turn) % len(servers)]


class MemoryTransport(Transport):
    """Connects actor systems inside one process.

    Args:
        hub: the hub to join; systems with transports on the same hub (and the
            same system name) share a namespace. A private hub by default, so a
            system on its own sees only its own actors.
        wire: encode every message that crosses between systems as a frame,
            exactly as ``NatsTransport`` does (messages must then be
            ``Message`` subclasses). Useful in tests to catch messages that
            would not survive the network.
        max_frame_size: the frame size limit in wire mode.

    Version added: 0.1

    """

    def __init__(
        self,
        hub: MemoryHub | None = None,
        *,
        wire: bool = False,
        max_frame_size: int = DEFAULT_MAX_FRAME,
    ) -> None:
        self.hub = hub if hub is not None else MemoryHub()
        self.wire = wire
        self.max_frame_size = max_frame_size
        self._namespace = ""
        self._deliver: Deliver | None = None
        self._dead_letter: DeadLetterSink | None = None
        self._names: set[str] = set()

    async def start(self, namespace: str, deliver: Deliver, dead_letter: DeadLetterSink) -> None:
        """Join the hub under ``namespace``."""
        self._namespace = namespace
        self._deliver = deliver
        self._dead_letter = dead_letter

    async def close(self) -> None:
        """Withdraw every name this transport serves."""
        for name in list(self._names):
            await self.withdraw(name)
        self._deliver = None

    async def advertise(self, name: str) -> None:
        """Serve ``name`` from this system."""
        self._names.add(name)
        self.hub._served.setdefault((self._namespace, name), []).append(self)

    async def withdraw(self, name: str) -> None:
        """Stop serving ``name``."""
        self._names.discard(name)
        servers = self.hub._served.get((self._namespace, name), [])
        if self in servers:
            servers.remove(self)
        if not servers:
            self.hub._served.pop((self._namespace, name), None)

    def _server(self, name: str) -> MemoryTransport:
        server = self.hub._pick(self._namespace, name)
        if server is None or server._deliver is None:
            raise ActorNotFound(f"no actor named {name!r} in namespace {self._namespace!r}")
        return server

    async def tell(
        self,
        name: str,
        message: Any,
        sender: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Deliver ``message`` (and its ``headers``) to a system of the hub that serves ``name``.

        Raises:
            ActorNotFound: when no system on the hub serves ``name``.

        """
        server = self._server(name)
        if self.wire:
            await server.deliver_frame(
                encode_envelope(
                    name, message, sender=sender, headers=headers, limit=self.max_frame_size
                )
            )
        else:
            await server._inbound(name, message, sender, None, None, headers)

    async def ask(
        self,
        name: str,
        message: Any,
        sender: str | None,
        timeout: float,
        on_event: EventSink | None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Ask ``name`` in another system of the hub (with ``headers``, if any).

        Raises:
            ActorNotFound: at once when no system on the hub serves ``name``.
            AskTimeout: when no reply arrives within ``timeout``.
            ActorCrashed: when the handler raised.

        """
        server = self._server(name)
        slot = ReplySlot()
        if self.wire:
            frame = encode_envelope(
                name, message, sender=sender, headers=headers, limit=self.max_frame_size
            )
            envelope, message = decode_envelope(frame, limit=server.max_frame_size)
            wired = _WiredReply(slot, name)
            await server._inbound(name, message, sender, wired, on_event, envelope.headers)
        else:
            await server._inbound(name, message, sender, slot, on_event, headers)
        return await slot.wait(timeout, recipient=name)

    async def deliver_frame(self, data: bytes) -> None:
        """Handle a raw request frame as if it had arrived from the network.

        A frame that does not decode is recorded in the system's dead letters
        with the reason; nothing is raised.
        """
        try:
            envelope, message = decode_envelope(data, limit=self.max_frame_size)
        except DecodeError as exc:
            if self._dead_letter is not None:
                self._dead_letter(bytes(data), recipient="?", reason=f"bad frame: {exc}")
            return
        await self._inbound(envelope.to, message, envelope.sender, None, None, envelope.headers)

    async def _inbound(
        self,
        name: str,
        message: Any,
        sender: str | None,
        reply: Any,
        on_event: EventSink | None,
        headers: dict[str, str] | None,
    ) -> None:
        if self._deliver is None:
            raise SystemStopped(f"the system serving {name!r} has stopped")
        await self._deliver(name, message, sender, reply, on_event, headers)


class _WiredReply:
    """Passes a reply through the reply frame codec, as it would cross the network."""

    __slots__ = ("_actor", "_slot")

    def __init__(self, slot: ReplySlot, actor: str) -> None:
        self._slot = slot
        self._actor = actor

    @property
    def abandoned(self) -> bool:
        return self._slot.abandoned

    def on_cancel(self, callback: Callable[[], None]) -> None:
        self._slot.on_cancel(callback)

    def set_result(self, value: Any) -> bool:
        return self._deliver(encode_reply(value, actor=self._actor))

    def set_exception(self, error: BaseException) -> bool:
        return self._deliver(error_reply(error))

    def _deliver(self, frame: bytes) -> bool:
        try:
            value = decode_reply(frame)
        except KaizenError as exc:
            return self._slot.set_exception(exc)
        return self._slot.set_result(value)
