"""Headers and middleware: in process, on a wire-mode hub and over a real NATS server.

Tests taking ``systems`` run host to client on each transport; the others run
in process (asyncio and trio) and with every message crossing NATS
(``KAIZEN_LOOPBACK``, see ``conftest.py``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import kaizen_actors as ka

from .common import Hop, Ping, Relay, Seen

pytestmark = pytest.mark.anyio


async def _spawn_hops(system: ka.ActorSystem, *names: str) -> None:
    for name in names:
        await system.spawn(Hop, name=name)


# -- headers ------------------------------------------------------------------------


async def test_headers_of_an_ask_and_a_tell_reach_ctx_headers(systems) -> None:
    host, client = systems
    await _spawn_hops(host, "h")
    ref = client.ref("h")
    assert await ref.ask(Relay(), headers={"trace": "t1", "tenant": "acme"}) == {
        "trace": "t1",
        "tenant": "acme",
    }
    await ref.tell(Ping(1), headers={"trace": "t2"})
    await ref.tell(Ping(2))
    assert await ref.ask(Seen()) == [{"trace": "t1", "tenant": "acme"}, {"trace": "t2"}, {}]


async def test_a_handlers_asks_carry_the_headers_of_its_message_two_actors_deep(
    systems,
) -> None:
    host, client = systems
    await _spawn_hops(host, "a", "b", "c")
    assert await client.ref("a").ask(Relay(["b", "c"]), headers={"trace": "t1"}) == {"trace": "t1"}


async def test_a_handlers_own_headers_win_over_those_it_carries_on() -> None:
    async with ka.ActorSystem("hdr-own") as system:
        await _spawn_hops(system, "a", "b", "c")
        seen = await system.ref("a").ask(
            Relay(["b", "c"], own={"trace": "from-a", "hop": "a"}),
            headers={"trace": "t1", "tenant": "acme"},
        )
        assert seen == {"trace": "from-a", "hop": "a", "tenant": "acme"}
        assert await system.ref("a").ask(Seen()) == [{"trace": "t1", "tenant": "acme"}]


async def test_a_handlers_tells_carry_the_headers_of_its_message() -> None:
    async with ka.ActorSystem("hdr-tell") as system:
        await _spawn_hops(system, "a", "b")
        await system.ref("a").ask(Relay(["b"], tell=True), headers={"trace": "t1"})
        assert await system.ref("b").ask(Seen()) == [{"trace": "t1"}]


async def test_ctx_headers_is_read_only_and_empty_without_headers() -> None:
    class Probe(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            with pytest.raises(TypeError):
                ctx.headers["x"] = "y"  # type: ignore[index]
            return len(ctx.headers)

    async with ka.ActorSystem("hdr-ro") as system:
        ref = await system.spawn(Probe, name="probe")
        assert await ref.ask(Ping()) == 0
        assert await ref.ask(Ping(), headers={}) == 0
        assert await ref.ask(Ping(), headers={"a": "1"}) == 1


async def test_headers_that_are_not_text_are_refused_with_type_error() -> None:
    async with ka.ActorSystem("hdr-bad") as system:
        ref = await system.spawn(Hop, name="h")
        with pytest.raises(TypeError, match=r"str to str.*int 1"):
            await ref.ask(Ping(), headers={"retries": 1})  # type: ignore[dict-item]
        with pytest.raises(TypeError, match="str to str"):
            await ref.tell(Ping(), headers={2: "x"})  # type: ignore[dict-item]
        with pytest.raises(TypeError, match="dict of str to str, got list"):
            ref.tell_nowait(Ping(), headers=[("a", "b")])  # type: ignore[arg-type]
        assert await ref.ask(Seen()) == []


async def test_the_callers_dict_is_copied_when_sent() -> None:
    async with ka.ActorSystem("hdr-copy") as system:
        ref = await system.spawn(Hop, name="h")
        headers = {"trace": "t1"}
        ref.tell_nowait(Ping(), headers=headers)
        headers["trace"] = "changed"
        assert await ref.ask(Seen()) == [{"trace": "t1"}]


# -- middleware ----------------------------------------------------------------------


async def test_a_middleware_counts_handled_messages_and_sees_the_headers_of_an_ask_two_actors_deep(
    wire,
) -> None:
    # The acceptance test: in process, and over NATS (every hop crosses
    # the server when the test runs with KAIZEN_LOOPBACK).
    handled: Counter[str] = Counter()
    headers_seen: dict[str, dict[str, str]] = {}

    async def count(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
        handled[ctx.name] += 1
        headers_seen[ctx.name] = dict(ctx.headers)
        return await call_next(message, ctx)

    async with ka.ActorSystem("mw-count", middleware=[count]) as system:
        await _spawn_hops(system, "a", "b", "c")
        reply = await system.ref("a").ask(Relay(["b", "c"]), headers={"trace": "t1"})
        if wire == "nats":  # all three asks went through the server
            assert system.transport.statistics.asks == 3  # type: ignore[attr-defined]
    assert reply == {"trace": "t1"}
    assert handled == {"a": 1, "b": 1, "c": 1}
    assert headers_seen["c"] == {"trace": "t1"}


async def test_a_middleware_of_the_serving_system_sees_headers_sent_from_another(wire) -> None:
    # Two systems: on a wire-mode MemoryHub (in process), or on NATS.
    seen: list[tuple[str, dict[str, str]]] = []

    async def record(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
        seen.append((ctx.name, dict(ctx.headers)))
        return await call_next(message, ctx)

    host_transport: ka.Transport | None = None  # None: KAIZEN_TRANSPORT, the NATS server
    client_transport: ka.Transport | None = None
    if wire != "nats":
        hub = ka.MemoryHub()
        host_transport = ka.MemoryTransport(hub, wire=True)
        client_transport = ka.MemoryTransport(hub, wire=True)
    async with (
        ka.ActorSystem("mw-two", host_transport, middleware=[record]) as host,
        ka.ActorSystem("mw-two", client_transport, loopback=False) as client,
    ):
        await _spawn_hops(host, "a", "b", "c")
        reply = await client.ref("a").ask(Relay(["b", "c"]), headers={"trace": "t1"})
    assert reply == {"trace": "t1"}
    assert seen == [("a", {"trace": "t1"}), ("b", {"trace": "t1"}), ("c", {"trace": "t1"})]


async def test_middleware_runs_in_order_the_first_outermost() -> None:
    order: list[str] = []

    def named(name: str) -> ka.Middleware:
        async def mw(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
            order.append(f"{name} in")
            reply = await call_next(message, ctx)
            order.append(f"{name} out")
            return reply

        return mw

    class Echo(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            order.append("handler")
            return message.n

    async with ka.ActorSystem("mw-order", middleware=[named("outer"), named("inner")]) as system:
        ref = await system.spawn(Echo, name="echo")
        assert await ref.ask(Ping(3)) == 3
    assert order == ["outer in", "inner in", "handler", "inner out", "outer out"]


async def test_a_middleware_may_replace_the_message_and_the_reply() -> None:
    async def double(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
        if isinstance(message, Ping):
            message = Ping(message.n * 2)
        return [await call_next(message, ctx)]

    class Echo(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            return message.n

    async with ka.ActorSystem("mw-replace", middleware=[double]) as system:
        ref = await system.spawn(Echo, name="echo")
        assert await ref.ask(Ping(3)) == [6]


async def test_a_middleware_that_raises_fails_that_message_and_the_actor_keeps_serving() -> None:
    starts: list[int] = []

    async def refuse(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
        if ctx.headers.get("deny") == "yes":
            raise PermissionError("denied by policy")
        return await call_next(message, ctx)

    class Echo(ka.Actor):
        async def on_start(self, ctx: ka.ActorContext) -> None:
            starts.append(1)

        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            return message.n

    async with ka.ActorSystem("mw-raise", middleware=[refuse]) as system:
        ref = await system.spawn(Echo, name="echo")
        with pytest.raises(ka.ActorCrashed) as info:
            await ref.ask(Ping(1), headers={"deny": "yes"})
        assert info.value.error_type == "PermissionError"
        assert info.value.error_message == "denied by policy"
        assert info.value.actor == "echo"
        assert await ref.ask(Ping(2)) == 2
        assert len(starts) == 2  # supervision restarted it, as after a handler's crash


async def test_without_middleware_the_system_has_none() -> None:
    async with ka.ActorSystem("mw-none") as system:
        assert system.middleware == ()
        ref = await system.spawn(Hop, name="h")
        assert await ref.ask(Relay()) == {}


@pytest.mark.parametrize(
    ("middleware", "match"),
    [
        (lambda m, c, n: n(m, c), "must be a list"),
        ([print, "not callable"], "async callables, got str"),
        ([lambda m, c, n: n(m, c)], "must be `async def`"),
    ],
)
def test_bad_middleware_is_a_config_error_naming_the_key(middleware: Any, match: str) -> None:
    with pytest.raises(ka.ConfigError, match=match) as info:
        ka.ActorSystem("mw-bad", middleware=middleware)
    assert info.value.key == "middleware"


class Later(ka.Actor):
    """On ``Ping(1)`` starts a task that waits, then tells ``sink`` from it."""

    def __init__(self, go: Any) -> None:
        self.go = go
        self.tasks: list[Any] = []

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if message.n == 1:
            import asyncio

            async def later() -> None:
                await self.go.wait()
                await ctx.system.ref("sink").tell(Relay())

            self.tasks.append(asyncio.get_running_loop().create_task(later()))
        return None


async def test_a_task_started_by_a_handler_keeps_the_headers_of_its_own_message(
    anyio_backend: str, wire: str
) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("the handler starts an asyncio task")
    import anyio

    go = anyio.Event()
    async with ka.ActorSystem() as system:
        await system.spawn(Hop, name="sink")
        ref = await system.spawn(lambda: Later(go), name="later")
        await ref.ask(Ping(1), headers={"tenant": "a"})
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:

                async def second() -> None:
                    await ref.ask(Ping(2), headers={"tenant": "b"})

                tg.start_soon(second)
                await anyio.wait_all_tasks_blocked()
                go.set()  # the task sends while the actor may handle tenant b's message
            while not await system.ref("sink").ask(Seen()):
                await anyio.sleep(0.01)
        assert await system.ref("sink").ask(Seen()) == [{"tenant": "a"}]
