"""Property tests: random crash schedules under each strategy."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kaizen_actors as ka

from .common import Crash, Ping, Which

NAMES = ("a", "b", "c", "d")
STRATEGIES = {
    "one_for_one": ka.OneForOne,
    "one_for_all": ka.OneForAll,
    "rest_for_one": ka.RestForOne,
}


class Worker(ka.Actor):
    def __init__(self, name: str, starts: list[str], handled: list[int]) -> None:
        self.name = name
        self.handled = handled
        starts.append(name)

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if message == Crash():
            raise RuntimeError("scheduled crash")
        self.handled.append(message.n)
        return message.n


def expected_restarts(kind: str, failed: str) -> list[str]:
    if kind == "one_for_one":
        return [failed]
    if kind == "one_for_all":
        return list(NAMES)
    return list(NAMES[NAMES.index(failed) :])


schedule = st.lists(st.tuples(st.sampled_from(NAMES), st.booleans()), min_size=1, max_size=25)


async def run_schedule(kind: str, steps: list[tuple[str, bool]], max_restarts: int) -> None:
    starts: list[str] = []
    handled: list[int] = []
    children = [ka.ChildSpec(lambda n=n: Worker(n, starts, handled), name=n) for n in NAMES]
    strategy = STRATEGIES[kind](max_restarts=max_restarts, within=60)
    crashes = 0
    async with ka.ActorSystem(root_strategy=ka.OneForOne(max_restarts=0)) as system:
        await system.spawn(lambda: ka.Supervisor(children, strategy), name="sup")
        starts.clear()
        sent = 0
        for name, crashes_now in steps:
            with anyio.fail_after(5):
                if crashes_now:
                    crashes += 1
                    with pytest.raises(ka.ActorCrashed):
                        await system.ref(name).ask(Crash())
                    if crashes > max_restarts:
                        await system.wait_stopped()
                        assert isinstance(system.failure, ka.RestartIntensityExceeded)
                        break
                    await system.ref("sup").ask(Which())
                    assert starts == expected_restarts(kind, name)
                    starts.clear()
                else:
                    assert await system.ref(name).ask(Ping(sent)) == sent
                    sent += 1
        assert handled == sorted(set(handled))


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=schedule, max_restarts=st.integers(0, 6))
def test_random_crash_schedules_follow_the_strategy_and_intensity(
    kind: str, steps: list[tuple[str, bool]], max_restarts: int, anyio_backend: str
) -> None:
    anyio.run(run_schedule, kind, steps, max_restarts, backend=anyio_backend)
