"""Message passing, on every transport: spawn on ``host``, talk through ``client``."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio
import anyio.lowlevel
import pytest

import kaizen_actors as ka

from .common import Boom, Count, Hold, Ping, Recorder

pytestmark = pytest.mark.anyio


async def test_ask_returns_the_handlers_return_value(systems) -> None:
    host, client = systems
    await host.spawn(Recorder, name="rec")
    assert await client.ref("rec").ask(Ping(7)) == 7


async def test_messages_from_one_sender_arrive_in_the_order_sent(systems) -> None:
    host, client = systems
    log: list[int] = []
    await host.spawn(lambda: Recorder(log), name="rec")
    ref = client.ref("rec")
    for n in range(200):
        await ref.tell(Ping(n))
    assert await ref.ask(Count()) == 200
    assert log == list(range(200))


async def test_ask_raises_actor_crashed_at_once_with_the_type_and_text(systems) -> None:
    host, client = systems
    await host.spawn(Recorder, name="rec")
    with pytest.raises(ka.ActorCrashed) as info:
        await client.ref("rec").ask(Boom("kaput"), timeout=30)
    assert info.value.error_type == "ValueError"
    assert info.value.error_message == "kaput"
    assert info.value.actor == "rec"
    assert "ValueError: kaput" in str(info.value)


async def test_the_actor_keeps_serving_after_a_crash(systems) -> None:
    host, client = systems
    await host.spawn(Recorder, name="rec")
    with pytest.raises(ka.ActorCrashed):
        await client.ref("rec").ask(Boom())
    assert await client.ref("rec").ask(Ping(1)) == 1


async def test_ask_of_an_unknown_name_raises_actor_not_found_at_once(systems) -> None:
    _, client = systems
    with anyio.fail_after(2), pytest.raises(ka.ActorNotFound):
        await client.ref("nobody").ask(Ping(), timeout=60)


async def test_ask_of_a_stopped_actor_raises_actor_not_found(systems) -> None:
    host, client = systems
    ref = await host.spawn(Recorder, name="rec")
    await ref.stop()
    with anyio.fail_after(2), pytest.raises(ka.ActorNotFound):
        await client.ref("rec").ask(Ping(), timeout=60)


async def test_ask_times_out_and_a_late_reply_is_recorded_not_delivered(systems) -> None:
    host, client = systems
    release = anyio.Event()
    await host.spawn(lambda: Recorder(release=release), name="rec")
    ref = client.ref("rec")
    with pytest.raises(ka.AskTimeout):
        await ref.ask(Hold(), timeout=0.05)
    release.set()
    assert await ref.ask(Ping(3)) == 3
    # In-process the actor sees the abandoned ask; over NATS the asker drops the reply.
    letters = list(host.dead_letters) + ([] if host is client else list(client.dead_letters))
    late = [d for d in letters if "late reply" in d.reason]
    assert len(late) == 1 and isinstance(late[0].message, Hold)


async def test_a_tell_to_an_unknown_name_lands_in_dead_letters(systems) -> None:
    host, client = systems
    arrived = anyio.Event()
    client.dead_letters.subscribe(lambda letter: arrived.set())
    await client.ref("nobody").tell(Ping(5))
    with anyio.fail_after(5):  # over NATS the "nobody serves it" status takes a round trip
        await arrived.wait()
    letters = list(client.dead_letters) + ([] if host is client else list(host.dead_letters))
    assert [(d.recipient, d.message) for d in letters] == [("nobody", Ping(5))]
    assert "nobody" in letters[0].reason


async def test_ask_timeout_is_a_timeout_error() -> None:
    assert issubclass(ka.AskTimeout, TimeoutError)
    assert issubclass(ka.AskTimeout, ka.KaizenError)


class Relay(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        return await ctx.system.ref("rec").ask(message)


class WhoAsked(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        return None if ctx.sender is None else ctx.sender.name


async def test_the_sender_is_the_actor_whose_handler_sent() -> None:
    async with ka.ActorSystem() as system:
        await system.spawn(WhoAsked, name="rec")
        relay = await system.spawn(Relay, name="relay")
        assert await relay.ask(Ping()) == "relay"
        assert await system.ref("rec").ask(Ping()) is None


class Slow(ka.Actor):
    def __init__(self) -> None:
        self.inside = 0
        self.most = 0

    async def receive(self, message: Any, ctx: ka.ActorContext) -> int:
        self.inside += 1
        self.most = max(self.most, self.inside)
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
        self.inside -= 1
        return self.most


async def test_an_actor_handles_one_message_at_a_time() -> None:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Slow)
        results: list[int] = []

        async def ask() -> None:
            results.append(await ref.ask(Ping()))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(ask)
        assert max(results) == 1


async def test_cancelling_an_ask_cancels_the_handlers_work() -> None:
    release, holding = anyio.Event(), anyio.Event()
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=release, holding=holding))
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(ref.ask, Hold(), timeout=60))
            with anyio.fail_after(10):
                await holding.wait()
            tg.cancel_scope.cancel()
        assert await ref.ask(Ping(1)) == 1
        reasons = [d.reason for d in system.dead_letters]
        assert reasons == ["the asker was cancelled while the actor handled it"]


class Emitter(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        for n in range(3):
            await ctx.emit(Ping(n))
        return "done"


async def test_events_emitted_by_a_handler_reach_the_askers_callback(systems) -> None:
    host, client = systems
    await host.spawn(Emitter, name="emitter")
    seen: list[Any] = []

    async def on_event(event: Any) -> None:
        seen.append(event)

    assert await client.ref("emitter").ask(Ping(), on_event=on_event) == "done"
    assert seen == [Ping(0), Ping(1), Ping(2)]


async def test_asks_with_different_timeouts_each_expire_at_their_own(systems) -> None:
    host, client = systems
    release = anyio.Event()
    await host.spawn(lambda: Recorder(release=release), name="rec")
    ref = client.ref("rec")
    expired: list[str] = []

    async def ask(label: str, timeout: float) -> None:
        with pytest.raises(ka.AskTimeout):
            await ref.ask(Hold(), timeout=timeout)
        expired.append(label)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask, "long", 0.5)
        await anyio.lowlevel.checkpoint()
        tg.start_soon(ask, "short", 0.02)  # made later, due sooner
    release.set()
    assert expired == ["short", "long"]
    assert await ref.ask(Ping(4), timeout=5) == 4


class Unencodable(ka.Actor):
    """Replies with values msgpack cannot carry: a lone surrogate, an int over 2**64."""

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Count):
            return "still here"
        if message.n == 2:
            raise ValueError("bad \ud800 text")
        return "bad \ud800 text" if message.n == 0 else 2**70


@pytest.mark.parametrize("n", [0, 1], ids=["lone-surrogate", "int-over-2**64"])
async def test_a_reply_that_cannot_be_encoded_fails_that_ask_alone(
    systems, transport_kind: str, n: int
) -> None:
    host, client = systems
    await host.spawn(Unencodable, name="odd")
    await host.spawn(Recorder, name="bystander")
    ref = client.ref("odd")
    if transport_kind == "local":  # nothing is encoded in process
        assert await ref.ask(Ping(n)) in ("bad \ud800 text", 2**70)
    else:
        with pytest.raises(ka.EncodeError, match="reply of actor 'odd'") as info:
            await ref.ask(Ping(n), timeout=30)
        assert isinstance(info.value, TypeError)
    assert await ref.ask(Count(), timeout=30) == "still here"
    assert await client.ref("bystander").ask(Ping(3), timeout=30) == 3
    assert host.failure is None and client.failure is None


async def test_an_error_text_that_cannot_be_encoded_still_reaches_the_asker(systems) -> None:
    host, client = systems
    await host.spawn(Unencodable, name="odd")
    with pytest.raises(ka.ActorCrashed) as info:
        await client.ref("odd").ask(Ping(2), timeout=30)
    assert info.value.error_type == "ValueError"
    assert "bad" in info.value.error_message
    assert await client.ref("odd").ask(Count(), timeout=30) == "still here"
