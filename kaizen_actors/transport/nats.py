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

Backpressure: a tell cannot see the remote mailbox. The receiving side
puts each message in the actor's mailbox, waiting while it is full; while
it waits, NATS buffers further messages for that actor in the
subscription's pending queue, up to ``max_pending`` messages or
``max_pending_bytes``. Past that the NATS client drops them (slow consumer):
each dropped message is recorded in the receiver's dead letters and its
sender gets an error (an ask raises ``MailboxFull`` at once; a tell's
sender records a dead letter). Memory stays bounded. (nats-py parses a
whole read batch before the subscription's task runs, so a burst can
overflow the queue before the actor has taken its first messages off it.)
A ``tell`` to a name nobody serves is recorded in the sender's dead
letters when the server's "no responders" status comes back (one round
trip later).

Connection loss: the client reconnects on its own, forever, and
re-subscribes. Asks waiting for a reply when the connection drops fail at
once with ``TransportError``; asks sent while disconnected are buffered
and either get their reply after the reconnect or ``AskTimeout``. A
worker process that dies while handling an ask: without ``durable`` the
asker gets ``AskTimeout`` at its deadline; with ``durable=True`` the
message is redelivered to another worker and the asker gets one reply.

Strangers on the same server: reply subjects, ask ids and tell status
subjects are random (96 bits each), and only the asker can cancel its
ask. With ``signing_key`` every frame of the namespace is signed
(HMAC-SHA256 with a key id, :mod:`kaizen_actors.transport._nats_signing`);
a frame without a valid signature is dropped, counted in
``statistics.bad_signatures`` and dead-lettered, so a client without the
key can neither forge a reply nor inject a tell, an ask, an event or a
cancel. It can still read what it may subscribe to, replay a signed frame
unchanged, and fake the server's "no responders" status (which is
unsigned): server permissions stop those
(``examples/distributed/nats-permissions.conf``).

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
