"""Layer 1, transport: moving messages between actor systems.

``MemoryTransport`` connects systems inside one process; ``NatsTransport``
(``kaizen_actors.transport.nats``, loaded on first use) connects processes
and machines through a NATS server.
"""

from .._meta import publish
from ._base import Deliver, EventSink, Replier, ReplySlot, Transport
from ._memory import MemoryHub, MemoryTransport
from ._registry import TransportFactory, register_transport, resolve_transport

__all__ = [
    "Deliver",
    "EventSink",
    "MemoryHub",
    "MemoryTransport",
    "Replier",
    "ReplySlot",
    "Transport",
    "TransportFactory",
    "register_transport",
    "resolve_transport",
]

publish(__all__, globals())
