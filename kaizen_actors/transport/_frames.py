"""Wire frames: the msgpack envelopes that carry messages and replies between systems.

A request frame is an ``Envelope``; its ``body`` is the message encoded by
:func:`kaizen_actors.encode`. A reply frame is a ``ReplyFrame``. No pickle:
every value is msgpack, and a reply that is a ``Message`` comes back as one.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..messages import (
    TAG_FIELD,
    ActorCrashed,
    ActorNotFound,
    ActorStopped,
    DecodeError,
    FrameTooLarge,
    KaizenError,
    Message,
    _errors,
    decode,
    encode,
)
from ..messages._codec import DECODE_FAILURES, ENCODE_FAILURES, decode_failure, encode_failure

__all__ = [
    "DEFAULT_MAX_FRAME",
    "Envelope",
    "ReplyFrame",
    "decode_envelope",
    "decode_reply",
    "encode_envelope",
    "encode_reply",
    "error_reply",
]

DEFAULT_MAX_FRAME = 1024 * 1024
"""Largest frame (bytes) a transport sends or accepts by default: NATS's default max_payload."""


class Envelope(msgspec.Struct, array_like=True, omit_defaults=True):
    """A message on the wire, addressed to an actor name.

    Fields are only ever appended, each with a default: a frame from an
    older version (fewer items) still decodes, and an older version reads a
    newer frame by ignoring the items it does not know. ``headers`` travel
    in the frame, so a signature over the frame covers them.
    """

    to: str
    body: msgspec.Raw
    sender: str | None = None
    events: str | None = None
    msg_id: str | None = None
    headers: dict[str, str] | None = None


class ReplyFrame(msgspec.Struct, array_like=True, omit_defaults=True):
    """The reply to an ask: a value, or an error kind with type and text."""

    body: msgspec.Raw = msgspec.Raw(b"\xc0")
    error_kind: str = ""
    error_type: str = ""
    error_message: str = ""
    retryable: bool = True  # appended: frames without it still decode


_PLAIN_ERRORS: dict[str, type[KaizenError]] = {
    name: cls
    for name in _errors.__all__
    if isinstance(cls := getattr(_errors, name), type)
    and issubclass(cls, KaizenError)
    and not any("__init__" in vars(base) for base in cls.__mro__ if issubclass(base, KaizenError))
}
"""Errors that cross the wire by type name and text (those built from a message alone)."""

_encoder = msgspec.msgpack.Encoder()
_envelope_decoder = msgspec.msgpack.Decoder(Envelope)
_reply_decoder = msgspec.msgpack.Decoder(ReplyFrame)


def _check_size(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise FrameTooLarge(
            f"frame of {len(data)} bytes exceeds the limit of {limit} bytes; send a smaller "
            "message or raise max_frame_size (and the NATS server's max_payload)"
        )
    return data


def encode_envelope(
    to: str,
    message: Message,
    *,
    sender: str | None = None,
    events: str | None = None,
    msg_id: str | None = None,
    headers: dict[str, str] | None = None,
    limit: int = DEFAULT_MAX_FRAME,
) -> bytes:
    """Encode a message addressed to ``to`` (with its ``headers``, if any).

    Raises:
        EncodeError: when ``message`` is not a ``Message`` or cannot be encoded.
        FrameTooLarge: when the frame exceeds ``limit`` bytes.

    """
    body = msgspec.Raw(encode(message))
    frame = Envelope(to, body, sender, events, msg_id, headers)
    return _check_size(_encoder.encode(frame), limit)


def decode_envelope(data: bytes, *, limit: int = DEFAULT_MAX_FRAME) -> tuple[Envelope, Message]:
    """Decode a request frame and its message.

    Raises:
        DecodeError: for a malformed frame, an unknown tag, or an oversized frame.

    """
    _check_size(data, limit)
    try:
        envelope = _envelope_decoder.decode(data)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"malformed frame: {decode_failure(exc)}") from exc
    return envelope, decode(envelope.body)


def encode_reply(value: Any, *, actor: str, limit: int = DEFAULT_MAX_FRAME) -> bytes:
    """Encode the return value of actor ``actor``'s handler as a reply frame.

    Never raises: a value msgpack cannot carry becomes an ``EncodeError``
    reply, and one over ``limit`` bytes a ``FrameTooLarge`` reply, each
    naming the actor, so the asker learns it at once.
    """
    try:
        frame = _encoder.encode(ReplyFrame(msgspec.Raw(_encoder.encode(value))))
    except ENCODE_FAILURES as exc:
        error = encode_failure(f"the reply of actor {actor!r}", value, exc)
        return error_reply(error)
    if len(frame) > limit:
        return error_reply(
            FrameTooLarge(
                f"the reply of actor {actor!r} is {len(frame)} bytes, over the limit of {limit} "
                "bytes (the smaller of max_frame_size and the NATS server's max_payload); "
                "reply with a smaller value, e.g. a reference to the data"
            )
        )
    return frame


def error_reply(error: BaseException) -> bytes:
    """Encode an error as a reply frame that the asker re-raises as the same kind.

    Never raises: text that cannot be encoded (a lone surrogate in an
    exception's message) is sent with the offending characters replaced.
    """
    text = _text_of(error)
    if isinstance(error, ActorCrashed):
        frame = ReplyFrame(
            error_kind="crashed",
            error_type=error.error_type,
            error_message=f"{error.actor}\x00{error.error_message}",
            retryable=error.retryable,
        )
    elif isinstance(error, ActorStopped):
        frame = ReplyFrame(error_kind="stopped", error_message=text)
    elif isinstance(error, ActorNotFound):
        frame = ReplyFrame(error_kind="not_found", error_message=text)
    else:
        frame = ReplyFrame(error_kind="error", error_type=type(error).__name__, error_message=text)
    try:
        return _encoder.encode(frame)
    except ValueError:  # a lone surrogate in the text
        frame.error_type = _printable(frame.error_type)
        frame.error_message = _printable(frame.error_message)
        return _encoder.encode(frame)


def _text_of(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # an exception whose __str__ raises: its type must do
        return type(error).__name__


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def decode_reply(data: bytes) -> Any:
    """Decode a reply frame: return its value, or raise the error it carries.

    Raises:
        ActorCrashed, ActorStopped, ActorNotFound: as the remote side reported.
        DecodeError: for a malformed reply frame.

    """
    try:
        frame = _reply_decoder.decode(data)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"malformed reply frame: {decode_failure(exc)}") from exc
    if frame.error_kind == "crashed":
        actor, _, text = frame.error_message.partition("\x00")
        raise ActorCrashed(actor, frame.error_type, text, retryable=frame.retryable)
    if frame.error_kind == "stopped":
        raise ActorStopped(frame.error_message)
    if frame.error_kind == "not_found":
        raise ActorNotFound(frame.error_message)
    if frame.error_kind:
        cls = _PLAIN_ERRORS.get(frame.error_type)
        if cls is not None:
            raise cls(frame.error_message)
        raise KaizenError(f"{frame.error_type}: {frame.error_message}")
    try:
        value = msgspec.msgpack.decode(frame.body)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"malformed reply value: {decode_failure(exc)}") from exc
    if isinstance(value, dict) and TAG_FIELD in value:
        return decode(frame.body)
    return value
