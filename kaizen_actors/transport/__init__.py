"""Layer 1, transport: moving messages between actor systems.

``MemoryTransport`` connects systems inside one process; ``NatsTransport``
(``kaizen_actors.transport.nats``, loaded on first use) connects processes
and machines through a NATS server. ``ActorSystem(name, transport=url)``
picks one by the URL's scheme (:func:`register_transport` adds a scheme).

What lives where:

========================  ==============================================================
``_base``                 the ``Transport`` contract, ``Deliver``, ``Replier``, sinks
``_registry``             transports by URL scheme: ``register_transport``,
                          ``resolve_transport`` (``memory://``, ``nats://``, ``tls://``,
                          ``ws://``, ``wss://``; NATS imported on first use)
``_memory``               ``MemoryTransport`` and ``MemoryHub`` (in process, wire mode)
``_frames``               the msgpack frames every wire transport sends
``_deadlines``            the loop's one timer for ask deadlines
``nats``                  the public face of the NATS transport: ``NatsTransport``,
                          ``NatsOptions``, ``NatsStatistics``, subject helpers
``_nats_transport``       ``NatsTransport``: lifecycle, names, tell and ask
``_nats_options``         ``NatsOptions``: its options, frozen, checked once
``_nats_subjects``        every subject, stream, consumer and service name (the table
                          of the scheme), random tokens, credential redaction
``_nats_connection``      connecting: auth options, clear first-connect errors
``_nats_shim``            every use of nats-py's private members, each with its reason
                          and the versions checked (the publish that never waits)
``_nats_inbox``           the asking side: one reply inbox, correlation, tell statuses
``_nats_serving``         the serving side: subscriptions of local actors, replies,
                          events, cancellation (``ServingHost``: what it uses)
``_nats_flow``            flow control of an ask's events (credit)
``_nats_durable``         ``durable=True``: JetStream work queues (``DurableHost``)
``_nats_service``         the NATS service API, ``$SRV.*`` (``ServiceHost``)
``_nats_signing``         frame signatures (``signing_key``)
``_nats_statistics``      ``NatsStatistics``, the counters
========================  ==============================================================
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
