"""Strangers on the same nats-server: what they can observe, guess, cancel and forge.

A stranger here is a raw nats-py client on the same server that subscribes
to the namespace's request subjects outside the queue group, so it sees
every request, its reply subject and its body.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.transport._frames import decode_envelope

from ..actors.common import Ping, Recorder

pytestmark = pytest.mark.anyio


class Gate(ka.Actor):
    """Signals when it starts a message, then replies ``n`` once ``release`` is set."""

    def __init__(self, started: anyio.Event, release: anyio.Event) -> None:
        self.started = started
        self.release = release
        self.cancelled = False

    async def receive(self, message: Any, ctx: ka.ActorContext) -> int:
        self.started.set()
        try:
            await self.release.wait()
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise
        return message.n


class Stranger:
    """A raw client that reads every request of a namespace (outside the queue group)."""

    def __init__(self, nc: Any, namespace: str) -> None:
        self.nc = nc
        self.namespace = namespace
        self.requests: list[Any] = []

    async def spy(self) -> None:
        async def keep(msg: Any) -> None:
            self.requests.append(msg)

        await self.nc.subscribe(f"ka.{self.namespace}.a.>", cb=keep)
        await self.nc.flush()

    async def wait_for(self, count: int) -> list[Any]:
        with anyio.fail_after(5):
            while len(self.requests) < count:
                await anyio.sleep(0.01)
        return self.requests

    async def publish(self, subject: str, data: bytes, reply: str = "") -> None:
        await self.nc.publish(subject, data, reply=reply)
        await self.nc.flush()


@pytest.fixture
async def stranger(nats_server, request) -> AsyncIterator[Stranger]:
    import nats

    nc = await nats.connect(nats_server.url)
    namespace = f"s{abs(hash(request.node.nodeid)) % 10**8}"
    try:
        yield Stranger(nc, namespace)
    finally:
        await nc.close()


async def settle(*systems: ka.ActorSystem) -> None:
    """Let what a stranger published reach the systems: a round trip each, then a moment."""
    for system in systems:
        await system.transport.client.flush(timeout=5)  # type: ignore[attr-defined]
    await anyio.sleep(0.2)


def random_bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


async def test_reply_subjects_and_ids_are_unguessable_from_an_observed_request(
    nats_server, stranger
) -> None:
    await stranger.spy()
    ns = stranger.namespace
    async with (
        ka.ActorSystem(ns, nats_server.url) as host,
        ka.ActorSystem(ns, nats_server.url) as client,
    ):
        await host.spawn(Recorder, name="rec")
        ref = client.ref("rec")
        for n in range(3):
            assert await ref.ask(Ping(n)) == n
        await ref.tell(Ping(3))
        await ref.tell(Ping(4))
        requests = await stranger.wait_for(5)
    asks, tells = requests[:3], requests[3:]
    prefix = asks[0].reply.rpartition(".")[0]
    # the inbox lies in the namespace's subject space, under a random token
    assert prefix.startswith(f"ka.{ns}.i.") and random_bits(prefix.rpartition(".")[2]) >= 96
    ids = []
    for msg in asks:
        head, _, token = msg.reply.rpartition(".")
        assert head == prefix and token[0] == "r"
        envelope, _ = decode_envelope(msg.data)
        assert envelope.msg_id == token[1:]
        ids.append(token[1:])
    assert all(random_bits(i) >= 96 for i in ids)
    values = [int.from_bytes(base64.urlsafe_b64decode(i)) for i in ids]
    assert len(set(values)) == 3
    assert all(abs(a - b) > 2**64 for a, b in itertools.pairwise(values))
    statuses = [msg.reply.rpartition(".")[2] for msg in tells]
    assert all(s[0] == "t" and random_bits(s[4:]) >= 96 for s in statuses)
    assert statuses[0][4:] != statuses[1][4:]


async def test_a_stranger_cannot_cancel_an_ask_it_did_not_make(nats_server, stranger) -> None:
    await stranger.spy()
    ns = stranger.namespace
    started, release = anyio.Event(), anyio.Event()
    gate = Gate(started, release)
    async with (
        ka.ActorSystem(ns, nats_server.url) as host,
        ka.ActorSystem(ns, nats_server.url) as client,
    ):
        await host.spawn(lambda: gate, name="gate")
        async with anyio.create_task_group() as tg:
            result: list[int] = []

            async def ask() -> None:
                result.append(await client.ref("gate").ask(Ping(7), timeout=30))

            tg.start_soon(ask)
            with anyio.fail_after(5):
                await started.wait()
            [request] = await stranger.wait_for(1)
            envelope, _ = decode_envelope(request.data)
            prefix, _, token = request.reply.rpartition(".")
            # everything the request shows, in every form a cancel could take
            for guess in {request.reply, token, token[1:], str(envelope.msg_id), envelope.events}:
                for notice in (guess, f"{prefix}.{guess}", f"{prefix}.r{guess}"):
                    if notice:
                        await stranger.publish(f"ka.{ns}.x", notice.encode())
            await settle(host)
            release.set()
        assert result == [7]
        assert not gate.cancelled
