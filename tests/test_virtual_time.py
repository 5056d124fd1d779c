"""Supervision and ask deadlines run on anyio's clock: trio's MockClock drives them."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from trio.testing import MockClock

import kaizen_actors as ka

from .actors.common import Crash, Hold, Ping, Recorder

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    # autojump: whenever every task waits, the clock jumps to the next deadline
    return ("trio", {"clock": MockClock(autojump_threshold=0)})


class Fragile(ka.Actor):
    """Counts its starts; raises on ``Crash``."""

    starts = 0

    async def on_start(self, ctx: ka.ActorContext) -> None:
        Fragile.starts += 1

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Crash):
            raise RuntimeError("crash")
        return "ok"


async def crash_and_settle(system: ka.ActorSystem) -> None:
    with pytest.raises(ka.ActorCrashed):
        await system.ref("f").ask(Crash())
    assert await system.ref("sup").ask(Ping(), timeout=120) is None  # after its restarts


class Root(ka.Supervisor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        return None


def supervisor(strategy: ka.Strategy) -> ka.Supervisor:
    return Root(children=[ka.ChildSpec(Fragile, name="f")], strategy=strategy)


async def test_restarts_outside_the_intensity_window_do_not_count() -> None:
    strategy = ka.OneForOne(max_restarts=1, within=60)
    async with ka.ActorSystem(root_strategy=ka.OneForOne(max_restarts=0)) as system:
        await system.spawn(lambda: supervisor(strategy), name="sup")
        await crash_and_settle(system)
        await anyio.sleep(61)  # a virtual minute: the first restart leaves the window
        await crash_and_settle(system)
        assert await system.ref("f").ask(Ping()) == "ok"
        assert system.failure is None


async def test_two_restarts_inside_the_window_exceed_the_intensity() -> None:
    strategy = ka.OneForOne(max_restarts=1, within=60)
    async with ka.ActorSystem(root_strategy=ka.OneForOne(max_restarts=0)) as system:
        await system.spawn(lambda: supervisor(strategy), name="sup")
        await crash_and_settle(system)
        await anyio.sleep(59)
        with pytest.raises(ka.ActorCrashed):
            await system.ref("f").ask(Crash())
        await system.wait_stopped()
        assert isinstance(system.failure, ka.RestartIntensityExceeded)


async def test_backoff_waits_on_the_clock() -> None:
    backoff = ka.Backoff(min=30, max=30, jitter=0.0)
    async with ka.ActorSystem() as system:
        await system.spawn(lambda: supervisor(ka.OneForOne(backoff=backoff)), name="sup")
        started = anyio.current_time()
        await crash_and_settle(system)
        assert anyio.current_time() - started >= 30  # virtual seconds, not real ones


async def test_an_ask_times_out_on_the_clock() -> None:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=anyio.Event()))
        started = anyio.current_time()
        with pytest.raises(ka.AskTimeout):
            await ref.ask(Hold(), timeout=3600)
        assert anyio.current_time() - started >= 3600
