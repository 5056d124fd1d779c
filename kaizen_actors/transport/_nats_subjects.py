"""NATS subject names for actors, reply inboxes and events, and credential redaction.

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
                                its inbox prefix and the ask's cancel secret here;
                                the system handling that ask cancels the handler
                                (every system listens)
``ka.<ns>.d.<actor>``           ``durable=True``: the work queue of an actor, in the
                                JetStream stream ``KA_<ns>`` (work-queue retention),
                                pulled through the durable consumer ``<actor>``;
                                headers ``Nats-Msg-Id`` (dedupe) and ``Ka-Reply``
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
    "TOKEN_LENGTH",
    "RandomTokens",
    "actor_subject",
    "ask_id",
    "durable_subject",
    "escape",
    "inbox_space",
    "namespace_space",
    "redact",
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


def durable_subject(namespace: str, name: str) -> str:
    """The JetStream work-queue subject of actor ``name`` (``durable=True``)."""
    return f"ka.{escape(namespace)}.d.{escape(name)}"


def namespace_space(namespace: str) -> str:
    """The prefix of every subject of ``namespace`` (``ka.<ns>.``)."""
    return f"ka.{escape(namespace)}."


def inbox_space(namespace: str) -> str:
    """The prefix of the reply inboxes of ``namespace`` (``ka.<ns>.i``, without the dot)."""
    return f"ka.{escape(namespace)}.i"


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
