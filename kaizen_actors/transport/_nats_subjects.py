"""Every NATS subject, stream, consumer and service name of the transport; credential redaction.

Nothing else in the package puts a subject together: the other modules call
the functions here (and read an inbox subject's kind from its first letter
after the prefix, :data:`REPLY`, :data:`EVENTS`, :data:`TELL`, :data:`CREDIT`).

The subject scheme (``<ns>`` is the ``ActorSystem``'s name, ``<actor>`` an
actor name, both escaped by :func:`escape`):

==============================  ====================================================
``ka.<ns>.a.<actor>``           requests (tell and ask) for an actor; subscribed
                                with queue group ``<actor>``, so systems serving the
                                same name form a worker pool (one of them gets each)
``ka.<ns>.i.<id>.r<ask>``       the reply to one ask (``<id>``: one per transport)
``ka.<ns>.i.<id>.e<ask>``       the events a handler emits while it handles that ask
                                (a subject per ask; same subscription as the reply,
                                so every event arrives before the reply, in order)
``ka.<ns>.i.<id>.t<tell>``      a tell's status channel: the server's "no responders"
                                status, or the error of a receiver that dropped it
``ka.<ns>.i.<id>.c<flow>``      credit for the events of an ask served here
``ka.<ns>.i.<nuid>...``         nats-py's own request inboxes (JetStream API replies)
``ka.<ns>.x``                   cancellations: an asker that is cancelled publishes
                                its inbox prefix and the ask's cancel secret here
                                (:func:`cancel_notice`); the system handling that ask
                                cancels the handler (every system listens)
``ka.<ns>.d.<actor>``           ``durable=True``: the work queue of an actor, in the
                                JetStream stream ``KA_<ns>`` (work-queue retention,
                                ``%`` of the escaped name as ``_``), pulled through
                                the durable consumer ``<actor>``; headers
                                ``Nats-Msg-Id`` (dedupe) and ``Ka-Reply``
``ka.<ns>.svc.<id>``            ``service=True``: the ``status`` endpoint of the
                                service ``ka-<ns>`` (``<id>``: the service's id)
``$SRV.*``                      the NATS service API (``nats.micro``): PING/INFO/STATS
==============================  ====================================================

Everything but the service API lies under ``ka.<ns>.``, so server
permissions can give each namespace its own subject space
(``examples/distributed/nats-permissions.conf``).

Unguessable names: ``<id>``, ``<ask>``, ``<tell>`` and ``<flow>`` each hold
96 random bits from ``os.urandom`` (:class:`RandomTokens`), so one observed
subject tells nothing about the next. An ask's id is a hash of its cancel
secret (:func:`ask_id`): the request shows the id, only the asker knows the
secret, so only the asker can cancel the ask.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "CREDIT",
    "EVENTS",
    "REPLY",
    "TELL",
    "TOKEN_LENGTH",
    "RandomTokens",
    "actor_subject",
    "ask_id",
    "cancel_notice",
    "cancel_subject",
    "cancelled_reply",
    "credit_subject",
    "durable_consumer",
    "durable_stream",
    "durable_subject",
    "durable_subjects",
    "escape",
    "events_subject",
    "inbox_prefix",
    "inbox_space",
    "inbox_subjects",
    "namespace_space",
    "queue_group",
    "redact",
    "reply_subject",
    "service_name",
    "service_subject",
    "tell_subject",
    "unescape",
]

TOKEN_LENGTH = 16
"""Characters of a random token: 96 bits in URL-safe base64."""

_BATCH = 256

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")
_cache: dict[str, str] = {}


def escape(name: str) -> str:
    """Make ``name`` one valid NATS subject token.

    Letters, digits, ``_`` and ``-`` stay; every other character (``.``,
    ``*``, ``>``, spaces, ``$``, non-ASCII...) becomes ``%XX`` per UTF-8 byte.
    The mapping is one-to-one, so distinct names never share a subject.

    Raises:
        ValueError: for an empty name.

    """
    token = _cache.get(name)
    if token is None:
        if not name:
            raise ValueError("an actor name must not be empty")
        token = _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), name)
        if len(_cache) < 10_000:
            _cache[name] = token
    return token


def unescape(token: str) -> str:
    """Invert :func:`escape`."""
    if "%" not in token:
        return token
    raw = re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), token.encode())
    return raw.decode()


_subjects: dict[tuple[str, str], str] = {}


def actor_subject(namespace: str, name: str) -> str:
    """The subject that requests for actor ``name`` of ``namespace`` are published on."""
    subject = _subjects.get((namespace, name))
    if subject is None:
        subject = f"ka.{escape(namespace)}.a.{escape(name)}"
        if len(_subjects) < 10_000:
            _subjects[namespace, name] = subject
    return subject


def queue_group(name: str) -> str:
    """The queue group of actor ``name``'s subscription: every system serving it is one pool."""
    return escape(name)


def namespace_space(namespace: str) -> str:
    """The prefix of every subject of ``namespace`` (``ka.<ns>.``)."""
    return f"ka.{escape(namespace)}."


def cancel_subject(namespace: str) -> str:
    """The subject askers publish cancellation notices of ``namespace`` on (``ka.<ns>.x``)."""
    return f"ka.{escape(namespace)}.x"


# -- reply inboxes ---------------------------------------------------------------------

REPLY, EVENTS, TELL, CREDIT = "r", "e", "t", "c"
"""The first letter after an inbox prefix: a reply, an ask's events, a tell's status, credit."""


def inbox_space(namespace: str) -> str:
    """The prefix of the reply inboxes of ``namespace`` (``ka.<ns>.i``, without the dot).

    nats-py's own request inboxes (the JetStream API's replies) live here too.
    """
    return f"ka.{escape(namespace)}.i"


def inbox_prefix(namespace: str, token: str) -> str:
    """The prefix of one transport's reply inbox (``ka.<ns>.i.<token>.``, with the dot)."""
    return f"{inbox_space(namespace)}.{token}."


def inbox_subjects(prefix: str) -> str:
    """The wildcard that one subscription takes every subject of an inbox with."""
    return f"{prefix}*"


def reply_subject(prefix: str, ask_id: str) -> str:
    """The subject the reply to ask ``ask_id`` is published on."""
    return f"{prefix}{REPLY}{ask_id}"


def events_subject(prefix: str, ask_id: str) -> str:
    """The subject the events of ask ``ask_id`` are published on."""
    return f"{prefix}{EVENTS}{ask_id}"


def tell_subject(prefix: str, slot: int, token: str) -> str:
    """A tell's status subject: its slot in the inbox's ring (3 hex digits), then its token."""
    return f"{prefix}{TELL}{slot:03x}{token}"


def credit_subject(prefix: str, flow_id: str) -> str:
    """The subject an asker grants credit on for the event stream ``flow_id`` served here."""
    return f"{prefix}{CREDIT}{flow_id}"


def cancel_notice(prefix: str, secret: str) -> bytes:
    """What a cancelled asker publishes on :func:`cancel_subject`: its inbox prefix and secret."""
    return f"{prefix}{secret}".encode()


def cancelled_reply(notice: bytes) -> str | None:
    """The reply subject of the ask a cancellation notice names; ``None`` if it is malformed."""
    prefix, _, secret = notice.decode(errors="replace").rpartition(".")
    if len(secret) != TOKEN_LENGTH:
        return None
    return reply_subject(f"{prefix}.", ask_id(secret))


# -- durable queues and the service API ------------------------------------------------


def durable_subject(namespace: str, name: str) -> str:
    """The JetStream work-queue subject of actor ``name`` (``durable=True``)."""
    return f"ka.{escape(namespace)}.d.{escape(name)}"


def durable_subjects(namespace: str) -> str:
    """The subjects of the namespace's work-queue stream (``ka.<ns>.d.>``)."""
    return f"ka.{escape(namespace)}.d.>"


def durable_stream(namespace: str) -> str:
    """The JetStream stream of the namespace's work queues (``KA_<ns>``, ``%`` as ``_``)."""
    return "KA_" + escape(namespace).replace("%", "_")


def durable_consumer(name: str) -> str:
    """The durable consumer that the pool serving actor ``name`` pulls through."""
    return escape(name)


def service_name(namespace: str) -> str:
    """The name of the namespace's service in the NATS service API (``ka-<ns>``)."""
    return "ka-" + re.sub(r"[^A-Za-z0-9_-]", "_", namespace)


def service_subject(namespace: str, service_id: str) -> str:
    """The subject of the ``status`` endpoint of service instance ``service_id``."""
    return f"ka.{escape(namespace)}.svc.{service_id}"


class RandomTokens:
    """Unguessable subject tokens: 96 bits of ``os.urandom`` each, in URL-safe base64.

    Bytes are drawn 256 tokens at a time (one system call), and every token
    is fresh random bytes: no token can be derived from another.
    """

    __slots__ = ("_at", "_batch")

    def __init__(self) -> None:
        self._batch = ""
        self._at = 0

    def next(self) -> str:
        """A new token of :data:`TOKEN_LENGTH` characters (``A-Za-z0-9_-``)."""
        at = self._at
        if at >= len(self._batch):
            self._batch = base64.urlsafe_b64encode(os.urandom(12 * _BATCH)).decode()
            at = 0
        self._at = at + TOKEN_LENGTH
        return self._batch[at : at + TOKEN_LENGTH]


def ask_id(secret: str) -> str:
    """The id of the ask whose cancel secret is ``secret``: 96 bits of its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()[:24]


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with user:password in URLs and every string of ``secrets`` masked."""
    text = re.sub(r"([a-z]+://)[^/@\s]+@", r"\1***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def redact_url(url: str) -> str:
    """A server URL without its user info."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))
