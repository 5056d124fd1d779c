"""Transports by URL scheme: ``ActorSystem(name, transport="nats://...")`` looks the scheme up here.

A transport adds itself with :func:`register_transport`, giving its schemes
and a factory that builds it from the URL. The factory may be a callable or
a ``"module:attribute"`` string, imported on first use, so a transport whose
client library is heavy costs nothing until a system asks for it (that is
how ``nats://`` is registered: ``import kaizen_actors`` does not load nats-py).

Example, a transport of your own::

    from kaizen_actors.transport import Transport, register_transport

    class RedisTransport(Transport):
        def __init__(self, url: str) -> None:
            ...

    register_transport("redis", RedisTransport)   # or "rediss://", or both in a list
    ka.ActorSystem("shop", transport="redis://cache:6379")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, TypeAlias

from ..messages import ConfigError
from ._base import Transport
from ._memory import MemoryTransport

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["TransportFactory", "register_transport", "resolve_transport"]

TransportFactory: TypeAlias = "Callable[[str], Transport]"
"""Builds a transport from the URL it was named by (``"nats://host:4222"``)."""

_factories: dict[str, TransportFactory | str] = {}


def _scheme(scheme: str) -> str:
    name = scheme.removesuffix("://").lower()
    if not name or not name.replace("+", "").replace("-", "").replace(".", "").isalnum():
        raise ConfigError(
            f"transport: a URL scheme is letters, digits, '+', '-' or '.', got {scheme!r}",
            key="transport",
        )
    return name


def register_transport(
    schemes: str | Iterable[str], factory: TransportFactory | str, *, replace: bool = False
) -> None:
    """Make ``ActorSystem(name, transport="<scheme>://...")`` build a transport with ``factory``.

    Args:
        schemes: one scheme or several (``"redis"``, ``"redis://"``; case does
            not matter).
        factory: called with the whole URL string, returns the ``Transport``;
            or ``"package.module:Name"``, imported when a URL first needs it.
        replace: allow taking over a scheme that is already registered.

    Raises:
        ConfigError: for a malformed scheme, or a scheme already registered
            to another factory without ``replace=True`` (key ``"transport"``).

    Example::

        register_transport(["redis", "rediss"], RedisTransport)
        ka.ActorSystem("shop", transport="redis://cache:6379")

    Version added: 0.1

    """
    names = [_scheme(schemes)] if isinstance(schemes, str) else [_scheme(s) for s in schemes]
    for name in names:
        known = _factories.get(name)
        if known is not None and known != factory and not replace:
            raise ConfigError(
                f"transport: scheme {name}:// is already registered to {known!r}; "
                "pass replace=True to take it over",
                key="transport",
            )
    for name in names:
        _factories[name] = factory


def _known_schemes() -> list[str]:
    return sorted(f"{name}://" for name in _factories)


def _unknown(value: object) -> ConfigError:
    return ConfigError(
        f"transport: expected None, 'memory', a URL with a known scheme "
        f"({', '.join(_known_schemes())}) or a Transport, got {value!r}; "
        "a new scheme is added with kaizen_actors.transport.register_transport()",
        key="transport",
    )


def resolve_transport(value: Transport | str | None) -> Transport:
    """The transport that ``value`` names.

    ``None``, ``"memory"`` and ``"memory://"`` give a new ``MemoryTransport``;
    a URL gives what its scheme's factory builds; a ``Transport`` is returned
    as it is.

    Raises:
        ConfigError: for an unknown scheme or a value of another type, or a
            factory that returns something that is not a ``Transport`` (key
            ``"transport"``).

    Version added: 0.1

    """
    if isinstance(value, Transport):
        return value
    if value is None or value == "memory":
        return MemoryTransport()
    if not isinstance(value, str):
        raise _unknown(value)
    scheme, sep, _ = value.partition("://")
    factory = _factories.get(scheme.lower()) if sep else None
    if factory is None:
        raise _unknown(value)
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
    transport = factory(value)
    if not isinstance(transport, Transport):
        raise ConfigError(
            f"transport: the factory of {scheme}:// returned a {type(transport).__name__}, "
            "not a Transport",
            key="transport",
        )
    return transport


register_transport("memory", lambda _url: MemoryTransport())
register_transport(["nats", "tls", "ws", "wss"], "kaizen_actors.transport.nats:NatsTransport")
