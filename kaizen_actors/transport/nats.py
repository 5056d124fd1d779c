"""The NATS transport: actor systems in several processes and machines share a namespace.

``ActorSystem(name, transport="nats://host:4222")`` uses it; build a
:class:`NatsTransport` yourself for credentials, TLS or ``durable=True``::

    transport = NatsTransport("tls://nats.example:4222", creds="/run/app.creds", durable=True)
    async with ka.ActorSystem("shop", transport) as system:
        ...

The options can also be one :class:`NatsOptions` value, checked when it is
made and shareable: ``NatsTransport(url, options=NatsOptions(durable=True))``.

Subjects (``<ns>`` is the system's name; names are escaped, see
:func:`escape`): ``ka.<ns>.a.<actor>`` carries requests to an actor, subscribed
in queue group ``<actor>`` so that every system serving the name is one worker
pool; ``ka.<ns>.i.<id>.r<ask>`` carries the reply to one ask and
``ka.<ns>.i.<id>.e<ask>`` the events its handler emits (one subject per ask,
ordered before the reply; ``<id>`` and ``<ask>`` are random, 96 bits each);
``ka.<ns>.x`` carries cancellations of asks (only the asker can cancel);
``ka.<ns>.d.<actor>`` is the JetStream work queue of ``durable=True`` (stream
``KA_<ns>``); ``$SRV.PING|INFO|STATS`` is the service API (``service=True``,
on by default in ``kaizen-actors serve``). The full table is in
:mod:`kaizen_actors.transport._nats_subjects`.

nats-py runs on asyncio only: use the asyncio backend of anyio (the default),
not trio, for a system with a NATS transport.

Version added: 0.1
"""

from __future__ import annotations

from ._nats_options import NatsOptions
from ._nats_statistics import NatsStatistics
from ._nats_subjects import actor_subject, escape, redact, unescape
from ._nats_transport import NatsTransport

__all__ = [
    "NatsOptions",
    "NatsStatistics",
    "NatsTransport",
    "actor_subject",
    "escape",
    "redact",
    "unescape",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
