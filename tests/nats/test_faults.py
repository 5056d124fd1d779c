"""Faults with real processes: a nats-server killed and restarted, a slow actor, overload."""

from __future__ import annotations

import shutil
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsTransport

from ..actors.common import Hold, Ping, Recorder
from ..natsserver import NatsServer

pytestmark = pytest.mark.anyio


async def _wait_connected(*systems: ka.ActorSystem) -> None:
    # Polling: the reconnect is nats-py's, driven by the external server coming back.
    with anyio.fail_after(20):
        while not all(s.transport.connected for s in systems):
            await anyio.sleep(0.05)
    for system in systems:
        await system.transport.client.flush(timeout=5)


async def test_killing_the_server_fails_asks_clearly_and_service_resumes_after_restart() -> None:
    server = NatsServer().start()
    try:
        async with (
            ka.ActorSystem("faults", NatsTransport(server.url, reconnect_wait=0.1)) as host,
            ka.ActorSystem("faults", NatsTransport(server.url, reconnect_wait=0.1)) as client,
        ):
            release = anyio.Event()
            await host.spawn(lambda: Recorder(release=release), name="rec")
            ref = client.ref("rec")
            assert await ref.ask(Ping(1)) == 1
            failures: list[BaseException] = []

            async def in_flight() -> None:
                try:
                    await ref.ask(Hold(), timeout=10)
                except (ka.TransportError, ka.AskTimeout) as exc:
                    failures.append(exc)

            async with anyio.create_task_group() as tg:
                tg.start_soon(in_flight)
                await anyio.wait_all_tasks_blocked()
                with anyio.fail_after(5):  # the ask is in the actor before the kill
                    while host.transport.statistics.received < 2:
                        await anyio.sleep(0.01)
                server.kill()
            assert len(failures) == 1 and isinstance(failures[0], ka.TransportError)
            assert "connection to NATS was lost" in str(failures[0])
            release.set()
            server = NatsServer(port=server.port).start()
            await _wait_connected(host, client)
            assert await ref.ask(Ping(2), timeout=10) == 2
            assert client.transport.statistics.reconnects >= 1
    finally:
        server.stop()


async def test_asks_sent_while_the_server_is_down_time_out_without_hanging() -> None:
    server = NatsServer().start()
    try:
        async with ka.ActorSystem("down", NatsTransport(server.url, reconnect_wait=0.1)) as client:
            server.kill()
            with anyio.fail_after(5), pytest.raises((ka.AskTimeout, ka.TransportError)):
                await client.ref("rec").ask(Ping(1), timeout=0.5)
    finally:
        server.stop()


async def test_a_slow_actor_keeps_memory_bounded_and_overload_is_reported(nats_server) -> None:
    host_transport = NatsTransport(nats_server.url, max_pending=20)
    async with (
        ka.ActorSystem("slow", host_transport) as host,
        ka.ActorSystem("slow", nats_server.url) as client,
    ):
        release = anyio.Event()
        await host.spawn(lambda: Recorder(release=release), name="rec", mailbox_size=5)
        ref = client.ref("rec")
        await ref.tell(Hold())
        for n in range(500):
            await ref.tell(Ping(n))
        await client.transport.client.flush(timeout=5)
        with anyio.fail_after(10):  # the receiver drops, the senders learn it
            while not any("overloaded" in d.reason for d in client.dead_letters):
                await anyio.sleep(0.01)
        sub = host_transport._inbound.subs["rec"]
        assert sub.pending_msgs <= 20
        assert host_transport.statistics.dropped > 0
        await _fill_up(client, ref, sub, 20)
        with pytest.raises(ka.KaizenError, match="overloaded"):
            await ref.ask(Ping(-1), timeout=5)
        release.set()
        with anyio.fail_after(10):
            while True:  # once drained, the actor serves again
                try:
                    assert await ref.ask(Ping(7), timeout=5) == 7
                    break
                except ka.KaizenError:
                    await anyio.sleep(0.05)


async def _fill_up(client: ka.ActorSystem, ref: ka.ActorRef, sub: Any, limit: int) -> None:
    """Tell until the receiver's pending queue is full (its count, not a drop notice
    from earlier, which may still be on its way)."""
    with anyio.fail_after(10):
        while sub.pending_msgs < limit:
            await ref.tell(Ping(0))
            await client.transport.client.flush(timeout=5)
            await anyio.sleep(0.01)  # the tell crosses the server to the receiver


async def test_durable_work_queues_serve_again_after_a_server_restart() -> None:
    server = NatsServer().start()  # JetStream stores to a directory that outlives the process

    def durable() -> NatsTransport:
        return NatsTransport(server.url, durable=True, reconnect_wait=0.1)

    try:
        async with (
            ka.ActorSystem("dur-restart", durable()) as host,
            ka.ActorSystem("dur-restart", durable()) as client,
        ):
            await host.spawn(Recorder, name="rec")
            ref = client.ref("rec")
            assert await ref.ask(Ping(1), timeout=5) == 1
            server.kill()
            with anyio.fail_after(10):  # both notice the loss before the server is back
                while host.transport.connected or client.transport.connected:
                    await anyio.sleep(0.05)
            server.start()
            await _wait_connected(host, client)
            with anyio.fail_after(30):
                assert await ref.ask(Ping(2), timeout=10) == 2
    finally:
        server.stop()
        shutil.rmtree(server.store, ignore_errors=True)
