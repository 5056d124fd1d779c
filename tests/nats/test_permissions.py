"""The permissions template (examples/distributed/nats-permissions.conf) on a real nats-server.

A user of namespace ``billing`` cannot publish into or read namespace
``shop``; a user of ``shop`` runs asks, tells, events, cancels and the
durable work queue as usual.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.events import Token
from kaizen_actors.transport._frames import encode_envelope, error_reply
from kaizen_actors.transport.nats import NatsTransport

from ..actors.common import Ping, Recorder
from ..natsserver import NatsServer
from .conftest import ROOT

pytestmark = pytest.mark.anyio

TEMPLATE = ROOT / "examples" / "distributed" / "nats-permissions.conf"
# nats-server parses a variable's value: "-..." or "9MB..." would stop it.
PASSWORDS = {"shop": "p" + secrets.token_hex(16), "billing": "p" + secrets.token_hex(16)}


@pytest.fixture(scope="module")
def server() -> Iterator[NatsServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOP_PASSWORD", PASSWORDS["shop"])
        env.setenv("BILLING_PASSWORD", PASSWORDS["billing"])
        with NatsServer(["-c", str(TEMPLATE)]) as server:
            yield server


def transport(server: NatsServer, user: str, **options: Any) -> NatsTransport:
    return NatsTransport(server.url, user=user, password=PASSWORDS[user], **options)


class Intruder:
    """A raw nats-py client logged in as ``billing``, collecting the server's refusals."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Any = None

    async def refused(self, count: int) -> list[str]:
        await self.nc.flush(timeout=5)
        with anyio.fail_after(5):
            while len(self.errors) < count:
                await anyio.sleep(0.01)
        return self.errors


@pytest.fixture
async def intruder(server) -> AsyncIterator[Intruder]:
    import nats

    intruder = Intruder()

    async def error_cb(exc: Exception) -> None:
        intruder.errors.append(str(exc))

    intruder.nc = await nats.connect(
        server.url,
        user="billing",
        password=PASSWORDS["billing"],
        error_cb=error_cb,
        allow_reconnect=False,
    )
    try:
        yield intruder
    finally:
        await intruder.nc.close()


class Streamer(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        for seq in range(message.n):
            await ctx.emit(Token(run_id="r", seq=seq, agent="s", text=str(seq)))
        return "done"


class Sleeper(ka.Actor):
    def __init__(self, started: anyio.Event, cancelled: anyio.Event) -> None:
        self.started = started
        self.cancelled = cancelled

    async def receive(self, message: Any, ctx: ka.ActorContext) -> None:
        self.started.set()
        try:
            await anyio.sleep(60)
        except anyio.get_cancelled_exc_class():
            self.cancelled.set()
            raise


async def test_a_namespace_user_asks_tells_streams_and_cancels(server) -> None:
    async with (
        ka.ActorSystem("shop", transport(server, "shop")) as host,
        ka.ActorSystem("shop", transport(server, "shop")) as client,
    ):
        log: list[int] = []
        started, cancelled = anyio.Event(), anyio.Event()
        await host.spawn(lambda: Recorder(log), name="rec")
        await host.spawn(Streamer, name="streamer")
        await host.spawn(lambda: Sleeper(started, cancelled), name="sleeper")
        await client.ref("rec").tell(Ping(1))
        assert await client.ref("rec").ask(Ping(2)) == 2
        with pytest.raises(ka.ActorNotFound):
            await client.ref("nobody").ask(Ping(3))
        seen: list[int] = []

        async def on_event(event: Any) -> None:
            seen.append(event.seq)

        assert await client.ref("streamer").ask(Ping(100), on_event=on_event) == "done"
        assert seen == list(range(100))
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(client.ref("sleeper").ask, Ping(4), timeout=30))
            with anyio.fail_after(5):
                await started.wait()
            tg.cancel_scope.cancel()
        with anyio.fail_after(5):
            await cancelled.wait()
        assert log == [1, 2]


async def test_a_namespace_user_runs_the_durable_queue(server) -> None:
    async with (
        ka.ActorSystem("shop", transport(server, "shop", durable=True)) as host,
        ka.ActorSystem("shop", transport(server, "shop", durable=True)) as client,
    ):
        log: list[int] = []
        await host.spawn(lambda: Recorder(log), name="durable-rec")
        await client.ref("durable-rec").tell(Ping(1))
        assert await client.ref("durable-rec").ask(Ping(2)) == 2
        assert log == [1, 2]


async def test_a_user_of_another_namespace_cannot_publish_or_read_ours(server, intruder) -> None:
    async with (
        ka.ActorSystem("shop", transport(server, "shop")) as host,
        ka.ActorSystem("billing", transport(server, "billing")) as neighbour,
    ):
        log: list[int] = []
        await host.spawn(lambda: Recorder(log), name="rec")
        await neighbour.spawn(Recorder, name="rec")
        nc = intruder.nc
        await nc.subscribe("ka.shop.>")
        await nc.publish("ka.shop.a.rec", encode_envelope("rec", Ping(5)))
        inbox = host.transport._inbox.prefix  # type: ignore[attr-defined]
        crash = ka.ActorCrashed("rec", "SystemExit", "forged")
        await nc.publish(f"{inbox}rAAAAAAAAAAAAAAAA", error_reply(crash))
        await nc.publish("ka.shop.x", f"{inbox}AAAAAAAAAAAAAAAA".encode())
        errors = [e.lower() for e in await intruder.refused(4)]
        assert errors[0] == 'nats: permissions violation for subscription to "ka.shop.>"'
        assert errors[1] == 'nats: permissions violation for publish to "ka.shop.a.rec"'
        assert all("permissions violation for publish" in e for e in errors[2:])
        # the neighbour's own namespace works, and ours never saw the intruder
        assert await neighbour.ref("rec").ask(Ping(6)) == 6
        assert await host.ref("rec").ask(Ping(7)) == 7
        assert log == [7]
        assert host.transport.statistics.received == 0  # nothing arrived over NATS
