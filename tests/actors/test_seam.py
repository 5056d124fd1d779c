"""Hooks for cross-cutting work: supervision signals, process middleware, carried headers."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.actors import Escalated, Restarted, add_process_middleware, carry_headers

from .common import Boom, Hop, Ping, Recorder, Relay

pytestmark = pytest.mark.anyio


async def test_restarts_and_an_escalation_are_signalled_to_subscribers(quiet_crash_logs) -> None:
    signals: list[Any] = []
    strategy = ka.OneForOne(max_restarts=1, within=60.0)
    async with ka.ActorSystem("sig", root_strategy=strategy) as system:
        unsubscribe = system.supervision.subscribe(signals.append)
        ref = await system.spawn(Recorder, name="r", restart="permanent")
        with pytest.raises(ka.ActorCrashed):
            await ref.ask(Boom("first"))
        with anyio.fail_after(5):
            while not signals:
                await anyio.sleep(0.01)
        with pytest.raises(ka.ActorCrashed):
            await ref.ask(Boom("second"))
        await system.wait_stopped()
        unsubscribe()
    assert signals[0] == Restarted(
        actor="r", supervisor="$root", restarts=1, cause="r", error_type="ValueError", error="first"
    )
    assert isinstance(signals[1], Escalated) and signals[1].supervisor == "$root"
    assert "more than 1 restarts" in signals[1].error


async def test_a_listener_that_raises_is_logged_and_supervision_goes_on(caplog) -> None:
    called = anyio.Event()

    def bad(signal: object) -> None:
        called.set()
        raise RuntimeError("listener bug")

    async with ka.ActorSystem("sig-bad") as system:
        system.supervision.subscribe(bad)
        ref = await system.spawn(Recorder, name="r")
        with pytest.raises(ka.ActorCrashed):
            await ref.ask(Boom())
        with anyio.fail_after(5):
            await called.wait()
            assert await ref.ask(Ping(3)) == 3
    assert any("supervision listener raised" in r.message for r in caplog.records)


async def test_process_middleware_reaches_systems_made_before_and_after_and_comes_off() -> None:
    seen: list[tuple[str, str]] = []

    async def watch(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
        seen.append((ctx.system.name, type(message).__name__))
        return await call_next(message, ctx)

    async with ka.ActorSystem("pm-before") as before:
        ref = await before.spawn(Recorder, name="r")
        remove = add_process_middleware(watch)
        try:
            await ref.ask(Ping(1))
            async with ka.ActorSystem("pm-after") as after:
                await (await after.spawn(Recorder, name="r")).ask(Ping(2))
        finally:
            remove()
        await ref.ask(Ping(3))
        assert before._chain is None
    assert seen == [("pm-before", "Ping"), ("pm-after", "Ping")]


async def test_carried_headers_reach_asks_made_outside_and_inside_handlers() -> None:
    async with ka.ActorSystem("carry") as system:
        for name in ("a", "b"):
            await system.spawn(Hop, name=name)
        with carry_headers({"traceparent": "t-run"}):
            assert await system.ref("a").ask(Relay(["b"]), headers={"x": "1"}) == {
                "traceparent": "t-run",
                "x": "1",
            }
        assert await system.ref("a").ask(Relay(["b"])) == {}
        with pytest.raises(TypeError, match="str to str"), carry_headers({"n": 1}):  # type: ignore[dict-item]
            pass
