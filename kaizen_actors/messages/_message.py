"""The ``Message`` base class and the registry of message tags."""

from __future__ import annotations

from typing import Any, Union

import msgspec

__all__ = ["TAG_FIELD", "Message", "message_decoder"]

TAG_FIELD = "$type"
"""Name of the field that carries a message's tag on the wire.

It starts with ``$`` so it can never clash with a Python field name.
"""

_registry: dict[str, type[Message]] = {}
_decoder: msgspec.msgpack.Decoder[Any] | None = None


class _MessageMeta(msgspec.StructMeta):
    """Registers each ``Message`` subclass by its tag once msgspec has set the tag."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _MessageMeta:
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

    The tag travels in the field named ``"$type"``. Every message decodes
    through one tagged union of all subclasses, so a subclass must keep a
    string tag in that field: ``tag=False``, an int tag or another
    ``tag_field`` is refused at definition, as is anything else msgspec
    cannot add to the union, and it never breaks decoding of the others.

    Raises:
        TypeError: when a second class registers a tag already taken, or a
            subclass cannot join the union of messages (the text says why).

    Version added: 0.1

    """


def _register(cls: Any) -> None:
    global _decoder
    config = cls.__struct_config__
    tag = config.tag
    where = f"{cls.__module__}.{cls.__qualname__}"
    if not isinstance(tag, str) or config.tag_field != TAG_FIELD:
        raise TypeError(
            f"{where}: a ka.Message subclass needs a string tag in the field {TAG_FIELD!r} "
            f"(got tag={tag!r}, tag_field={config.tag_field!r}), because every message "
            f'decodes through one tagged union; rename it with tag="app.{cls.__name__}" '
            "instead, or use a plain msgspec.Struct for a value that is not a message"
        )
    other = _registry.get(tag)
    if other is not None and not _same_class(other, cls):
        raise TypeError(
            f"message tag {tag!r} of {cls.__module__}.{cls.__qualname__} is already used by "
            f"{other.__module__}.{other.__qualname__}; "
            f'give one of them its own tag: class {cls.__name__}(Message, tag="app.{tag}")'
        )
    types = (*(t for k, t in _registry.items() if k != tag), cls)
    try:
        decoder = msgspec.msgpack.Decoder(Union[types])  # noqa: UP007 - built at run time
    except TypeError as exc:
        reason = str(exc).split(" - type `", 1)[0]
        raise TypeError(f"{where} cannot join the union of messages: {reason}") from None
    _registry[tag] = cls
    _decoder = decoder


def _same_class(a: type, b: type) -> bool:
    """Whether ``b`` redefines ``a`` (same module and qualname: a reload or a re-run)."""
    return a.__module__ == b.__module__ and a.__qualname__ == b.__qualname__


def message_decoder() -> msgspec.msgpack.Decoder[Any]:
    """The decoder of the union of every registered ``Message`` subclass (built as they join)."""
    return _decoder if _decoder is not None else _base_decoder


_base_decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(Message)
