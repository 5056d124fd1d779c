"""NatsTransport against a real nats-server: in-process semantics, and NATS-only ones."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import partial
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.events import Token
from kaizen_actors.transport.nats import NatsTransport, actor_subject, escape, unescape

from ..actors.common import Boom, Hold, Ping, Recorder

pytestmark = pytest.mark.anyio


def test_names_with_subject_characters_are_escaped_one_to_one() -> None:
    names = ["a.b", "a*b", "a>b", "a b", "a%2Eb", "ünï", "$root", "plain-name_1"]
    tokens = [escape(n) for n in names]
    assert len(set(tokens)) == len(names)
    assert all(not set(t) & set(".*> ") for t in tokens)
    assert [unescape(t) for t in tokens] == names
    assert actor_subject("shop", "a.b") == "ka.shop.a.a%2Eb"


def test_an_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        escape("")


@pytest.fixture
async def pair(nats_server, request):
    name = f"n{abs(hash(request.node.nodeid)) % 10**8}"
    async with (
        ka.ActorSystem(name, nats_server.url) as host,
        ka.ActorSystem(name, nats_server.url) as client,
    ):
        yield host, client


async def test_an_actor_with_dots_in_its_name_is_reachable(pair) -> None:
    host, client = pair
    await host.spawn(Recorder, name="team.solver*1")
    assert await client.ref("team.solver*1").ask(Ping(4)) == 4


async def test_a_frame_over_the_limit_raises_frame_too_large(nats_server) -> None:
    transport = NatsTransport(nats_server.url, max_frame_size=100)
    async with ka.ActorSystem("big", transport) as system:

        class Big(ka.Message, tag="nats-test.Big"):
            data: str

        with pytest.raises(ka.FrameTooLarge, match="exceeds the limit of 100 bytes"):
            await system.ref("elsewhere").ask(Big("x" * 200))


async def test_bad_frames_go_to_dead_letters_and_the_actor_keeps_serving(pair) -> None:
    host, client = pair
    await host.spawn(Recorder, name="rec")
    nc = client.transport.client
    subject = actor_subject(host.name, "rec")
    await nc.publish(subject, b"\x93not msgpack")
    reply = await nc.request(subject, b"\xc1", timeout=5)  # a foreign request gets an error frame
    assert b"malformed" in reply.data
    assert await client.ref("rec").ask(Ping(2)) == 2
    reasons = [d.reason for d in host.dead_letters]
    assert len(reasons) == 2 and all("bad frame on ka." in r for r in reasons)
    assert host.transport.statistics.bad_frames == 2


async def test_two_systems_serving_one_name_share_the_work(nats_server) -> None:
    async with (
        ka.ActorSystem("pool", nats_server.url) as a,
        ka.ActorSystem("pool", nats_server.url) as b,
        ka.ActorSystem("pool", nats_server.url) as client,
    ):
        log_a: list[int] = []
        log_b: list[int] = []
        await a.spawn(lambda: Recorder(log_a), name="worker")
        await b.spawn(lambda: Recorder(log_b), name="worker")
        ref = client.ref("worker")
        async with anyio.create_task_group() as tg:
            for n in range(200):
                tg.start_soon(ref.ask, Ping(n))
        assert sorted(log_a + log_b) == list(range(200))
        assert log_a and log_b


class Streamer(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        for seq in range(message.n):
            await ctx.emit(Token(run_id="r", seq=seq, agent="s", text=str(seq)))
        return "done"


async def test_many_events_cross_in_order_without_gaps_before_the_reply(pair) -> None:
    host, client = pair
    await host.spawn(Streamer, name="streamer")
    seen: list[Any] = []

    async def on_event(event: Any) -> None:
        seen.append(event)

    assert await client.ref("streamer").ask(Ping(500), on_event=on_event) == "done"
    assert [e.seq for e in seen] == list(range(500))
    assert all(isinstance(e, Token) for e in seen)


async def test_a_tell_to_nobody_is_recorded_by_the_sender_one_round_trip_later(pair) -> None:
    _, client = pair
    arrived = anyio.Event()
    client.dead_letters.subscribe(lambda letter: arrived.set())
    await client.ref("nobody").tell(Ping(5))
    with anyio.fail_after(5):
        await arrived.wait()
    [letter] = client.dead_letters
    assert (letter.recipient, letter.message) == ("nobody", Ping(5))
    assert "no actor named 'nobody'" in letter.reason


async def test_a_late_reply_is_recorded_by_the_asker(pair) -> None:
    host, client = pair
    release = anyio.Event()
    await host.spawn(lambda: Recorder(release=release), name="rec")
    with pytest.raises(ka.AskTimeout):
        await client.ref("rec").ask(Hold(), timeout=0.05)
    release.set()
    assert await client.ref("rec").ask(Ping(3)) == 3  # the late reply came before this one
    [late] = [d for d in client.dead_letters if "late reply" in d.reason]
    assert isinstance(late.message, Hold)


async def test_remote_crash_keeps_its_type_and_text(pair) -> None:
    host, client = pair
    await host.spawn(Recorder, name="rec")
    with pytest.raises(ka.ActorCrashed) as info:
        await client.ref("rec").ask(Boom("kaput"))
    assert (info.value.actor, info.value.error_type, info.value.error_message) == (
        "rec",
        "ValueError",
        "kaput",
    )


async def test_an_unconnectable_server_raises_transport_error_quickly() -> None:
    from ..natsserver import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    with anyio.fail_after(10), pytest.raises(ka.TransportError) as info:
        async with ka.ActorSystem("x", url):
            pass
    error = info.value
    assert "cannot connect to NATS at nats://127.0.0.1" in str(error)
    assert "refused" in str(error).lower()


async def test_importing_kaizen_actors_does_not_import_nats() -> None:
    import subprocess
    import sys

    code = "import sys, kaizen_actors as ka; ka.ActorSystem; print('nats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class Sleeper(ka.Actor):
    """Signals when it starts a message, then sleeps until cancelled (which it records)."""

    def __init__(self, started: anyio.Event, cancelled: anyio.Event) -> None:
        self.started = started
        self.cancelled = cancelled

    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        self.started.set()
        try:
            await anyio.sleep(60)
        except anyio.get_cancelled_exc_class():
            self.cancelled.set()
            raise
        return "slept"


async def test_cancelling_a_remote_asker_cancels_the_handler(pair) -> None:
    host, client = pair
    started, cancelled = anyio.Event(), anyio.Event()
    await host.spawn(lambda: Sleeper(started, cancelled), name="sleeper")
    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(client.ref("sleeper").ask, Ping(1), timeout=30))
        with anyio.fail_after(5):
            await started.wait()
        tg.cancel_scope.cancel()
    with anyio.fail_after(5):  # the handler sleeps a minute unless the cancel reaches it
        await cancelled.wait()
    with anyio.fail_after(5):  # the actor is free again and still serves
        while not any("asker was cancelled" in d.reason for d in host.dead_letters):
            await anyio.sleep(0.01)


async def test_a_cancelled_remote_ask_still_queued_is_never_handled(pair) -> None:
    host, client = pair
    release = anyio.Event()
    log: list[int] = []
    await host.spawn(lambda: Recorder(log, release=release), name="rec")
    ref = client.ref("rec")
    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(ref.ask, Hold(), timeout=30))
        with anyio.fail_after(5):
            while host.transport.statistics.received < 1:
                await anyio.sleep(0.01)
        async with anyio.create_task_group() as queued:
            queued.start_soon(partial(ref.ask, Ping(9), timeout=30))
            with anyio.fail_after(5):
                while host.transport.statistics.received < 2:
                    await anyio.sleep(0.01)
            queued.cancel_scope.cancel()
        with anyio.fail_after(5):  # the cancel notice reaches the host
            while not host.transport._inbound.inflight or len(host.transport._inbound.inflight) > 1:
                await anyio.sleep(0.01)
        release.set()
    assert await ref.ask(Ping(10)) == 10
    assert log == [10]


async def test_a_cancelled_ask_still_in_the_clients_queue_is_never_handled(nats_server) -> None:
    # A full mailbox holds the subscription's callback in cell.put, so later
    # requests wait in nats-py's pending queue: their cancels come first.
    release = anyio.Event()
    log: list[int] = []
    async with (
        ka.ActorSystem("pending", nats_server.url) as host,
        ka.ActorSystem("pending", nats_server.url) as client,
    ):
        await host.spawn(lambda: Recorder(log, release=release), name="rec", mailbox_size=1)
        ref = client.ref("rec")
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(ref.ask, Hold(), timeout=30))
            for n in (1, 2):  # one in the mailbox, one waiting in cell.put
                tg.start_soon(partial(ref.ask, Ping(n), timeout=30))
            with anyio.fail_after(5):
                while host.transport.statistics.received < 3:
                    await anyio.sleep(0.01)
            async with anyio.create_task_group() as pending:
                pending.start_soon(partial(ref.ask, Ping(9), timeout=30))
                await anyio.sleep(0.1)  # it reaches the host's client, not the actor
                pending.cancel_scope.cancel()
            with anyio.fail_after(5):  # the cancel notice reaches the host first
                while not host.transport._inbound.cancelled:
                    await anyio.sleep(0.01)
            release.set()
        assert await ref.ask(Ping(10), timeout=30) == 10
        assert log == [1, 2, 10]
        reasons = [d.reason for d in host.dead_letters]
        assert any("cancelled it before it was handled" in r for r in reasons)


class Counter(ka.Actor):
    """Emits ``n`` tokens, counting how many it got out."""

    emitted = 0

    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        for seq in range(message.n):
            await ctx.emit(Token(run_id="r", seq=seq, agent="c", text=str(seq)))
            Counter.emitted += 1
        return "done"


async def test_a_slow_event_consumer_holds_the_remote_handler_to_its_window(nats_server) -> None:
    Counter.emitted = 0
    async with (
        ka.ActorSystem("flow", NatsTransport(nats_server.url, event_window=16)) as host,
        ka.ActorSystem("flow", nats_server.url) as client,
    ):
        await host.spawn(Counter, name="counter")
        release = anyio.Event()
        seen: list[int] = []

        async def on_event(event: Any) -> None:
            seen.append(event.seq)
            await release.wait()

        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: client.ref("counter").ask(Ping(1000), on_event=on_event))
            # The handler waits for credit on another connection: watch it stand still.
            with anyio.fail_after(5):
                before = -1
                while Counter.emitted != before:
                    before = Counter.emitted
                    await anyio.sleep(0.05)
            assert 16 <= Counter.emitted <= 16 + 1
            release.set()
    assert seen == list(range(1000))


IMPORTS_OFF_THE_LOOP = """
import asyncio, sys, threading
import kaizen_actors as ka
threads = {}
class Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("nats", "aiohttp"):
            threads.setdefault(top, threading.current_thread().name)
sys.meta_path.insert(0, Watch())
async def main():
    async with ka.ActorSystem("imports", transport=sys.argv[1]):
        pass
asyncio.run(main())
print(threads)
"""


def test_nats_py_is_imported_in_a_worker_thread(nats_server) -> None:
    # nats-py brings aiohttp: a few hundred milliseconds the loop must not wait.
    out = subprocess.run(
        [sys.executable, "-c", IMPORTS_OFF_THE_LOOP, nats_server.url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    threads = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert "nats" in threads
    assert "MainThread" not in threads.values(), threads
