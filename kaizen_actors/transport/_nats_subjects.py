"""NATS subject names for actors, reply inboxes and events, and credential redaction.

The subject scheme (``<ns>`` is the ``ActorSystem``'s name, ``<actor>`` an
actor name, both escaped by :func:`escape`):

==============================  ====================================================
``ka.<ns>.a.<actor>``           requests (tell and ask) for an actor; subscribed
                                with queue group ``<actor>``, so systems serving the
                                same name form a worker pool (one of them gets each)
``_INBOX.<id>.<ask>``           the reply to one ask (``<id>`` is one per transport)
``_INBOX.<id>.e<ask>``          the events a handler emits while it handles that ask
                                (a subject per ask; same subscription as the reply,
                                so every event arrives before the reply, in order)
``_INBOX.<id>.t<tell>``         a tell's status channel: the server's "no responders"
                                status, or the error of a receiver that dropped it
``ka.<ns>.x``                   cancellations: an asker that is cancelled publishes
                                its reply subject here; the system handling that ask
                                cancels the handler (every system listens)
``ka.<ns>.d.<actor>``           ``durable=True``: the work queue of an actor, in the
                                JetStream stream ``KA_<ns>`` (work-queue retention),
                                pulled through the durable consumer ``<actor>``;
                                headers ``Nats-Msg-Id`` (dedupe) and ``Ka-Reply``
``$SRV.*``                      the NATS service API (``nats.micro``): PING/INFO/STATS
==============================  ====================================================
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["actor_subject", "durable_subject", "escape", "redact", "unescape"]

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
