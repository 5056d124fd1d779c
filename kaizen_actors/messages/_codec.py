"""Encoding and decoding ``Message`` objects as msgpack."""

from __future__ import annotations

from typing import Any, Union

import msgspec

from ._errors import DecodeError
from ._message import Message, message_types

__all__ = ["DECODE_FAILURES", "decode", "encode"]

DECODE_FAILURES = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError)
"""What msgspec raises for bad input: invalid UTF-8 in a string surfaces as UnicodeDecodeError."""

_encoder = msgspec.msgpack.Encoder()
_decoder_cache: tuple[int, msgspec.msgpack.Decoder[Any] | None] = (-1, None)


def encode(message: Message) -> bytes:
    """Encode a message to msgpack bytes, tagged with its class's tag.

    Raises:
        TypeError: when ``message`` is not a ``Message`` or holds an unsupported value.

    Version added: 0.1

    """
    if not isinstance(message, Message):
        raise TypeError(f"encode() takes a kaizen_actors.Message, got {type(message).__name__}")
    return _encoder.encode(message)


def _decoder() -> msgspec.msgpack.Decoder[Any]:
    global _decoder_cache
    generation, decoder = _decoder_cache
    current, types = message_types()
    if decoder is None or generation != current:
        if not types:
            decoder = msgspec.msgpack.Decoder(Message)
        else:
            decoder = msgspec.msgpack.Decoder(Union[types])  # noqa: UP007 - built at run time
        _decoder_cache = (current, decoder)
    return decoder


def decode(data: bytes | bytearray | memoryview) -> Message:
    """Decode msgpack bytes into the registered ``Message`` subclass named by their tag.

    Raises:
        DecodeError: when the bytes are not msgpack, carry no or an unknown tag,
            or do not match the message's fields. Its message says where.

    Version added: 0.1

    """
    try:
        return _decoder().decode(data)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"cannot decode message: {exc}") from exc
    except TypeError as exc:
        raise DecodeError(
            f"cannot decode message: expected bytes, got {type(data).__name__}"
        ) from exc
