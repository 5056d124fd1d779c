"""Headers: in process, on a wire-mode hub and over a real NATS server.

Tests taking ``systems`` run host to client on each transport; the others run
in process (asyncio and trio) and with every message crossing NATS
(``KAIZEN_LOOPBACK``, see ``conftest.py``).
"""

from __future__ import annotations

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
