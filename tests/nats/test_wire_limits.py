"""What the wire cannot carry, over a real nats-server: deep frames, replies over max_payload."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import actor_subject

from ..actors.common import Ping, Recorder
from ..natsserver import NatsServer

pytestmark = pytest.mark.anyio


class Deep(ka.Message, tag="nats-test.Deep"):
    value: Any = None


def deep_frame(to: str, levels: int) -> bytes:
    """A request frame whose message nests ``levels`` arrays deep (about 2 bytes a level)."""
    body = msgspec.msgpack.encode({"$type": "nats-test.Deep", "value": None})
    body = body[:-1] + b"\x91" * levels + b"\xc0"  # value: [[[...[nil]...]]]
    return msgspec.msgpack.encode([to, msgspec.Raw(body)])


async def test_a_frame_nested_too_deep_is_dead_lettered_counted_and_answered(nats_server) -> None:
    async with (
        ka.ActorSystem("deep", nats_server.url) as host,
        ka.ActorSystem("deep", nats_server.url) as client,
    ):
        await host.spawn(Recorder, name="rec")
        nc = client.transport.client
        frame = deep_frame("rec", 2000)
        assert len(frame) < 2100
        reply = await nc.request(actor_subject("deep", "rec"), frame, timeout=5)
        with pytest.raises(ka.DecodeError, match="nests deeper"):
            ka.transport._frames.decode_reply(reply.data)
        assert host.transport.statistics.bad_frames == 1
        [letter] = host.dead_letters
        assert "nests deeper" in letter.reason and letter.recipient == "rec"
        assert await client.ref("rec").ask(Ping(1)) == 1


def test_decode_refuses_deep_nesting_with_a_decode_error() -> None:
    good = ka.encode(Deep([[1]]))
    assert ka.decode(good) == Deep([[1]])
    deep = good[: good.index(b"\x91")] + b"\x91" * 5000 + b"\xc0"
    with pytest.raises(ka.DecodeError, match="nests deeper"):
        ka.decode(deep)


class Huge(ka.Actor):
    """Replies ``n`` bytes of text (600 KB for ``n=1``)."""

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Ping):
            return "x" * (600_000 if message.n == 1 else message.n)
        return "small"


@pytest.fixture
def small_server():
    conf = Path(tempfile.mkdtemp(prefix="ka-conf-")) / "nats.conf"
    conf.write_text("max_payload: 262144\n")
    with NatsServer(["-c", str(conf)]) as server:
        yield server


async def test_a_reply_over_the_servers_max_payload_answers_frame_too_large_at_once(
    small_server,
) -> None:
    async with (
        ka.ActorSystem("payload", small_server.url) as host,
        ka.ActorSystem("payload", small_server.url) as client,
    ):
        assert host.transport.frame_limit == 262144  # under the transport's 1 MiB default
        await host.spawn(Huge, name="huge")
        ref = client.ref("huge")
        with pytest.raises(ka.FrameTooLarge, match="reply of actor 'huge'"):
            await ref.ask(Ping(1), timeout=30)
        assert await ref.ask(Deep(), timeout=30) == "small"
        with pytest.raises(ka.FrameTooLarge, match="262144"):
            await ref.ask(Deep("y" * 300_000), timeout=30)  # a request over it, too


async def test_a_signed_reply_just_under_the_frame_limit_gets_through(small_server) -> None:
    from kaizen_actors.transport._nats_signing import HEADER_BYTES

    key = "k" * 32
    async with (
        ka.ActorSystem("payload", ka.NatsTransport(small_server.url, signing_key=key)) as host,
        ka.ActorSystem("payload", ka.NatsTransport(small_server.url, signing_key=key)) as client,
    ):
        limit = host.transport.frame_limit
        assert limit == 262144 - HEADER_BYTES  # the signature counts against max_payload
        await host.spawn(Huge, name="huge")
        reply = await client.ref("huge").ask(Ping(limit - 16), timeout=30)
        assert len(reply) == limit - 16
