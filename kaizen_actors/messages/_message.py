"""The ``Message`` base class and the registry of message tags."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["TAG_FIELD", "Message", "message_types"]

TAG_FIELD = "$type"
"""Name of the field that carries a message's tag on the wire.

It starts with ``$`` so it can never clash with a Python field name.
"""

_registry: dict[str, type[Message]] = {}
_generation = 0


class _MessageMeta(msgspec.StructMeta):
    """Registers each ``Message`` subclass by its tag once msgspec has set the tag."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        cls = super().__new__(mcls, name, bases, namespace, **kwargs)
        if any(isinstance(base, _MessageMeta) for base in bases):
            _register(cls)
        return cls


class Message(msgspec.Struct, metaclass=_MessageMeta, tag=True, tag_field=TAG_FIELD):
    """Base class for messages that actors exchange.

    A subclass is a ``msgspec.Struct``: declare fields with annotations. It is
    tagged, so :func:`kaizen_actors.decode` returns an instance of the right
    subclass. The tag is the class name; two classes sharing a name must set
    one apart with ``tag=``::

        class Ping(ka.Message):
            n: int

        class Ping(ka.Message, tag="billing.Ping"):
            n: int

    The tag travels in the field named ``"$type"``.

    Raises:
        TypeError: when a second class registers a tag already taken.

    Version added: 0.1

    """


def _register(cls: Any) -> None:
    global _generation
    tag = str(cls.__struct_config__.tag)
    other = _registry.get(tag)
    if other is not None and not _same_class(other, cls):
        raise TypeError(
            f"message tag {tag!r} of {cls.__module__}.{cls.__qualname__} is already used by "
            f"{other.__module__}.{other.__qualname__}; "
            f'give one of them its own tag: class {cls.__name__}(Message, tag="app.{tag}")'
        )
    _registry[tag] = cls
    _generation += 1


def _same_class(a: type, b: type) -> bool:
    """Whether ``b`` redefines ``a`` (same module and qualname: a reload or a re-run)."""
    return a.__module__ == b.__module__ and a.__qualname__ == b.__qualname__


def message_types() -> tuple[int, tuple[type[Message], ...]]:
    """The registry's generation and every registered ``Message`` subclass."""
    return _generation, tuple(_registry.values())
