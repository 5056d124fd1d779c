"""Malformed frames arriving from a transport are dropped into dead letters; nothing crashes."""

from __future__ import annotations

import contextlib

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kaizen_actors as ka
from kaizen_actors.transport._frames import (
    decode_envelope,
    decode_reply,
    encode_envelope,
    error_reply,
)

from .common import Count, Ping, Recorder

pytestmark = pytest.mark.anyio


async def test_bad_frames_land_in_dead_letters_and_the_system_keeps_serving() -> None:
    transport = ka.MemoryTransport(wire=True)
    async with ka.ActorSystem(transport=transport) as system:
        ref = await system.spawn(Recorder, name="rec")
        await transport.deliver_frame(b"\x93garbage")
        await transport.deliver_frame(msgspec.msgpack.encode(["rec", {"$type": "nope"}]))
        await transport.deliver_frame(encode_envelope("rec", Ping(9)))
        assert await ref.ask(Count()) == 1
        reasons = [d.reason for d in system.dead_letters]
        assert len(reasons) == 2
        assert all(r.startswith("bad frame:") for r in reasons)
        assert "nope" in reasons[1]


async def test_an_oversized_frame_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ka.FrameTooLarge, match="exceeds the limit of 100 bytes"):
        encode_envelope("rec", _Big("x" * 200), limit=100)


class _Big(ka.Message, tag="test.frames.Big"):
    text: str


async def test_wire_mode_refuses_messages_that_are_not_messages() -> None:
    hub = ka.MemoryHub()
    async with (
        ka.ActorSystem("w", ka.MemoryTransport(hub, wire=True)) as host,
        ka.ActorSystem("w", ka.MemoryTransport(hub, wire=True)) as client,
    ):
        await host.spawn(Recorder, name="rec")
        with pytest.raises(TypeError, match="Message"):
            await client.ref("rec").tell({"n": 1})


@settings(max_examples=200)
@given(st.binary(max_size=128))
def test_random_frames_raise_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(ka.DecodeError):
        decode_envelope(data)


def test_whether_a_crash_may_be_retried_crosses_the_wire() -> None:
    for retryable in (True, False):
        frame = error_reply(ka.ActorCrashed("a", "X", "boom", retryable=retryable))
        with pytest.raises(ka.ActorCrashed) as info:
            decode_reply(frame)
        assert info.value.retryable is retryable


def test_a_crash_frame_from_before_retryable_decodes_as_retryable() -> None:
    old = msgspec.msgpack.encode([msgspec.Raw(b"\xc0"), "crashed", "ValueError", "a\x00boom"])
    with pytest.raises(ka.ActorCrashed) as info:
        decode_reply(old)
    assert info.value.retryable and info.value.error_message == "boom"


def test_signature_errors_say_they_are_not_worth_retrying() -> None:
    assert not ka.SignatureError("bad").retryable
    assert ka.ModelTimeout("slow").retryable


class _EnvelopeBeforeHeaders(msgspec.Struct, array_like=True, omit_defaults=True):
    """The request frame as it was before ``headers`` was appended."""

    to: str
    body: msgspec.Raw
    sender: str | None = None
    events: str | None = None
    msg_id: str | None = None


def test_a_frame_from_before_headers_still_decodes_and_an_older_reader_skips_them() -> None:
    body = msgspec.Raw(ka.encode(Ping(3)))
    old = msgspec.msgpack.encode(_EnvelopeBeforeHeaders("rec", body, "me", None, "id1"))
    envelope, message = decode_envelope(old)
    assert (envelope.to, envelope.sender, envelope.msg_id) == ("rec", "me", "id1")
    assert envelope.headers is None
    assert message == Ping(3)

    new = encode_envelope("rec", Ping(4), sender="me", headers={"trace": "t1"})
    assert decode_envelope(new)[0].headers == {"trace": "t1"}
    older = msgspec.msgpack.decode(new, type=_EnvelopeBeforeHeaders)
    assert (older.to, older.sender) == ("rec", "me")
    assert ka.decode(older.body) == Ping(4)


def test_a_frame_whose_headers_are_not_text_is_a_decode_error() -> None:
    body = msgspec.Raw(ka.encode(Ping(3)))
    frame = msgspec.msgpack.encode(["rec", body, None, None, None, {"trace": 7}])
    with pytest.raises(ka.DecodeError, match="malformed frame"):
        decode_envelope(frame)


def test_an_error_whose_text_raises_still_makes_a_reply() -> None:
    class Rude(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text for you")

    with pytest.raises(ka.KaizenError, match="Rude"):
        decode_reply(error_reply(Rude()))
