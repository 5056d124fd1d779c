"""``durable=True``: a JetStream work queue redelivers the task of a worker that died."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsTransport

from ..actors.common import Boom, Hop, Ping, Recorder, Relay, Seen
from .actors import Started, Work
from .conftest import Service

pytestmark = pytest.mark.anyio


def _durable(url: str, **options: Any) -> NatsTransport:
    return NatsTransport(url, durable=True, **options)


class Slow(ka.Actor):
    """Counts the deliveries it gets, then works ``seconds`` on each."""

    def __init__(self, log: list[int]) -> None:
        self.log = log

    async def receive(self, message: Any, ctx: ka.ActorContext) -> int:
        self.log.append(message.n)
        await anyio.sleep(message.seconds)
        return len(self.log)


async def test_durable_asks_and_tells_reach_an_actor_in_another_system(nats_server) -> None:
    async with (
        ka.ActorSystem("dur-basic", _durable(nats_server.url)) as host,
        ka.ActorSystem("dur-basic", _durable(nats_server.url)) as client,
    ):
        log: list[int] = []
        await host.spawn(lambda: Recorder(log), name="rec")
        ref = client.ref("rec")
        await ref.tell(Ping(1))
        assert await ref.ask(Ping(2), timeout=5) == 2
        assert log == [1, 2]
        with pytest.raises(ka.ActorCrashed, match="kaput"):
            await ref.ask(Boom("kaput"), timeout=5)


async def test_a_durable_ask_to_a_name_never_served_fails_at_once(nats_server) -> None:
    async with ka.ActorSystem("dur-none", _durable(nats_server.url)) as client:
        with anyio.fail_after(2), pytest.raises(ka.ActorNotFound, match="'nobody'"):
            await client.ref("nobody").ask(Ping(1), timeout=30)


async def test_heartbeats_keep_a_handler_slower_than_ack_wait_from_redelivery(nats_server) -> None:
    async with (
        ka.ActorSystem("dur-slow", _durable(nats_server.url, ack_wait=0.3)) as host,
        ka.ActorSystem("dur-slow", _durable(nats_server.url)) as client,
    ):
        log: list[int] = []
        await host.spawn(lambda: Slow(log), name="slow")
        assert await client.ref("slow").ask(Work(seconds=1.2, n=1), timeout=10) == 1
        assert log == [1]


@pytest.mark.slow
async def test_a_task_whose_worker_is_killed_is_redelivered_and_answered_once(
    nats_server, services
) -> None:
    for _ in range(2):
        services.append(
            Service(
                "actors:build_worker", nats_server.url, "dur-kill", "--durable", "--ack-wait", "1"
            )
        )
    async with ka.ActorSystem("dur-kill", _durable(nats_server.url)) as client:
        started: list[int] = []
        first = anyio.Event()
        result: list[int] = []

        async def on_event(event: Any) -> None:
            assert isinstance(event, Started)
            started.append(event.pid)
            first.set()

        async def ask() -> None:
            work = Work(seconds=1.0, n=7)
            result.extend(await client.ref("worker").ask(work, timeout=30, on_event=on_event))

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            with anyio.fail_after(10):
                await first.wait()
            [victim] = [s for s in services if s.process.pid == started[0]]
            victim.process.kill()  # SIGKILL: no drain, no goodbye
        [survivor] = [s for s in services if s is not victim]
        assert result == [survivor.process.pid, 7]
        assert started == [victim.process.pid, survivor.process.pid]
        assert client.transport.statistics.late_replies == 0
        assert not list(client.dead_letters)


@pytest.mark.slow
async def test_without_durable_a_killed_worker_gives_the_asker_a_timeout_not_a_hang(
    nats_server, services
) -> None:
    for _ in range(2):
        services.append(Service("actors:build_worker", nats_server.url, "dur-off"))
    async with ka.ActorSystem("dur-off", nats_server.url) as client:
        first = anyio.Event()
        pids: list[int] = []

        async def on_event(event: Any) -> None:
            pids.append(event.pid)
            first.set()

        async def kill_when_started() -> None:
            await first.wait()
            [victim] = [s for s in services if s.process.pid == pids[0]]
            victim.process.kill()

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(kill_when_started)
                with pytest.raises(ka.AskTimeout, match="no reply from 'worker' within 3 s"):
                    await client.ref("worker").ask(
                        Work(seconds=1.0, n=1), timeout=3, on_event=on_event
                    )
        assert pids and len(pids) == 1


async def test_durable_tells_and_asks_carry_their_headers(nats_server) -> None:
    async with (
        ka.ActorSystem("dur-headers", _durable(nats_server.url)) as host,
        ka.ActorSystem("dur-headers", _durable(nats_server.url)) as client,
    ):
        await host.spawn(Hop, name="hop")
        ref = client.ref("hop")
        await ref.tell(Ping(1), headers={"trace": "t1"})
        assert await ref.ask(Relay(), headers={"trace": "t2"}, timeout=5) == {"trace": "t2"}
        assert await ref.ask(Seen(), timeout=5) == [{"trace": "t1"}, {"trace": "t2"}]
