"""Encoding and decoding ``Message`` objects as msgpack."""

from __future__ import annotations

from typing import Any

import msgspec

from ._errors import DecodeError, EncodeError
from ._message import Message, message_decoder

__all__ = [
    "DECODE_FAILURES",
    "ENCODE_FAILURES",
    "MAX_DEPTH",
    "decode",
    "decode_failure",
    "encode",
    "encode_failure",
]

DECODE_FAILURES = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError)
"""What msgspec raises for bad input: invalid UTF-8 in a string surfaces as
UnicodeDecodeError, and nesting deeper than the interpreter's recursion
limit (:data:`MAX_DEPTH`) as RecursionError."""

ENCODE_FAILURES = (TypeError, ValueError, OverflowError, RecursionError)
"""What msgspec raises for a value it cannot encode: an unsupported type
(TypeError), a lone surrogate in a string (UnicodeEncodeError, a
ValueError), an int outside [-2**63, 2**64) (OverflowError), or nesting
deeper than the recursion limit (RecursionError)."""

MAX_DEPTH = 1000
"""About how deeply values may nest on the wire: msgspec stops at Python's
recursion limit (``sys.getrecursionlimit()``, 1,000 by default, less the
caller's own stack); past it encoding raises ``EncodeError`` and decoding
``DecodeError``."""

_encoder = msgspec.msgpack.Encoder()


def encode_failure(what: str, value: Any, exc: BaseException) -> EncodeError:
    """The ``EncodeError`` for ``value`` (named ``what``) that msgspec refused with ``exc``."""
    if isinstance(exc, RecursionError):
        detail = f"it nests deeper than about {MAX_DEPTH} levels"
    elif isinstance(exc, OverflowError):
        detail = "it holds an int outside [-2**63, 2**64); send it as a str"
    elif isinstance(exc, UnicodeEncodeError):
        detail = f"it holds text that is not valid Unicode ({exc.reason} at {exc.start})"
    else:
        detail = str(exc)
    error = EncodeError(f"cannot encode {what} of type {type(value).__name__}: {detail}")
    error.__cause__ = exc
    return error


def encode(message: Message) -> bytes:
    """Encode a message to msgpack bytes, tagged with its class's tag.

    Raises:
        EncodeError: when ``message`` is not a ``Message`` or holds a value
            msgpack cannot carry (also a ``TypeError``).

    Version added: 0.1

    """
    if not isinstance(message, Message):
        raise EncodeError(f"encode() takes a kaizen_actors.Message, got {type(message).__name__}")
    try:
        return _encoder.encode(message)
    except ENCODE_FAILURES as exc:
        raise encode_failure("message", message, exc) from exc


def decode(data: bytes | bytearray | memoryview) -> Message:
    """Decode msgpack bytes into the registered ``Message`` subclass named by their tag.

    Raises:
        DecodeError: when the bytes are not msgpack, carry no or an unknown tag,
            do not match the message's fields, or nest deeper than
            :data:`MAX_DEPTH`. Its message says where.

    Version added: 0.1

    """
    decoder = message_decoder()
    try:
        message: Message = decoder.decode(data)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"cannot decode message: {decode_failure(exc)}") from exc
    except TypeError as exc:
        raise DecodeError(f"cannot decode message from {type(data).__name__}: {exc}") from exc
    return message


def decode_failure(exc: BaseException) -> str:
    """Why msgspec could not decode, in words (one of :data:`DECODE_FAILURES`)."""
    if isinstance(exc, RecursionError):
        return f"it nests deeper than about {MAX_DEPTH} levels"
    return str(exc)
