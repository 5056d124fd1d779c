from __future__ import annotations

from typing import Any

import anyio
import pytest

import kaizen_actors as ka

from .common import Crash, Exit, Which, WhoAreYou

pytestmark = pytest.mark.anyio


class Child(ka.Actor):
    """Records starts and stops in ``log``; raises on ``Crash``."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def on_start(self, ctx: ka.ActorContext) -> None:
        self.log.append(f"+{self.name}")

    async def on_stop(self, ctx: ka.ActorContext) -> None:
        self.log.append(f"-{self.name}")

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if message == Crash():
            raise RuntimeError(f"{self.name} crashed")
        if message == Exit():
            ctx.stop()
        return id(self)


def specs(log: list[str], *names: str, restart: str = "permanent") -> list[ka.ChildSpec]:
    return [ka.ChildSpec(lambda n=n: Child(n, log), name=n, restart=restart) for n in names]


async def tree(system: ka.ActorSystem, children: list[ka.ChildSpec], strategy: ka.Strategy):
    return await system.spawn(
        lambda: ka.Supervisor(children=children, strategy=strategy), name="sup"
    )


async def crash(system: ka.ActorSystem, name: str) -> None:
    with pytest.raises(ka.ActorCrashed):
        await system.ref(name).ask(Crash())


async def settle(system: ka.ActorSystem, name: str = "sup") -> None:
    """Let the supervisor handle pending failures: it answers after its system messages."""
    await system.ref(name).ask(Which())


async def test_one_for_one_restarts_only_the_failed_child_with_a_fresh_instance() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "a", "b", "c"), ka.OneForOne())
        before = await system.ref("b").ask(WhoAreYou())
        log.clear()
        await crash(system, "b")
        await settle(system)
        assert log == ["-b", "+b"]
        assert await system.ref("b").ask(WhoAreYou()) != before


async def test_one_for_all_restarts_every_child_in_order() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "a", "b", "c"), ka.OneForAll())
        log.clear()
        await crash(system, "b")
        await settle(system)
        assert log == ["-c", "-b", "-a", "+a", "+b", "+c"]


async def test_rest_for_one_restarts_the_failed_child_and_those_started_after() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "a", "b", "c"), ka.RestForOne())
        log.clear()
        await crash(system, "b")
        await settle(system)
        assert log == ["-c", "-b", "+b", "+c"]


async def test_a_temporary_child_is_never_restarted() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "t", restart="temporary"), ka.OneForOne())
        await crash(system, "t")
        await settle(system)
        assert await system.ref("sup").ask(Which()) == []
        with pytest.raises(ka.ActorNotFound):
            await system.ref("t").ask(WhoAreYou())


async def test_a_transient_child_restarts_after_a_crash_but_not_after_a_normal_exit() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "t", restart="transient"), ka.OneForOne())
        await crash(system, "t")
        await settle(system)
        assert await system.ref("sup").ask(Which()) == ["t"]
        await system.ref("t").ask(Exit())
        await settle(system)
        assert await system.ref("sup").ask(Which()) == []


async def test_a_permanent_child_restarts_even_after_a_normal_exit() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "p"), ka.OneForOne())
        await system.ref("p").ask(Exit())
        await settle(system)
        assert log[-2:] == ["-p", "+p"]
        assert await system.ref("sup").ask(Which()) == ["p"]


async def test_past_its_intensity_a_supervisor_stops_its_children_and_fails_to_its_parent() -> None:
    log: list[str] = []
    inner = specs(log, "a", "b")
    outer = [
        ka.ChildSpec(
            lambda: ka.Supervisor(children=inner, strategy=ka.OneForOne(max_restarts=1)),
            name="inner",
        )
    ]
    async with ka.ActorSystem() as system:
        await tree(system, outer, ka.OneForOne(max_restarts=5))
        log.clear()
        await crash(system, "a")
        await settle(system, "inner")
        assert log == ["-a", "+a"]
        log.clear()
        await crash(system, "a")
        # inner answers once it is back: after it gave up and outer restarted it
        await settle(system, "inner")
        # inner gave up: stopped b then a; outer restarted inner, which started both afresh
        assert log == ["-b", "-a", "+a", "+b"]
        assert await system.ref("inner").ask(Which()) == ["a", "b"]


async def test_when_the_root_gives_up_the_system_stops_and_keeps_the_failure() -> None:
    log: list[str] = []
    strategy = ka.OneForOne(max_restarts=0)
    async with ka.ActorSystem(root_strategy=strategy) as system:
        await system.spawn(lambda: Child("x", log), name="x")
        await crash(system, "x")
        with anyio.fail_after(5):
            await system.wait_stopped()
        assert isinstance(system.failure, ka.RestartIntensityExceeded)
        with pytest.raises(ka.SystemStopped, match="gave up"):
            await system.spawn(lambda: Child("y", log))


async def test_backoff_delays_restarts() -> None:
    backoff = ka.Backoff(min=0.05, max=0.1, jitter=0.0)
    assert [backoff.delay(n) for n in (1, 2, 3)] == [0.05, 0.1, 0.1]
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "a"), ka.OneForOne(backoff=backoff))
        started = anyio.current_time()  # before the crash: the backoff counts from it
        await crash(system, "a")
        await settle(system)
        assert anyio.current_time() - started >= 0.05


async def test_invalid_supervision_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="restart"):
        ka.ChildSpec(lambda: Child("a", []), name="a", restart="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_restarts"):
        ka.OneForOne(max_restarts=-1)
    with pytest.raises(ValueError, match="min <= max"):
        ka.Backoff(min=2, max=1)
    with pytest.raises(ValueError, match="unique"):
        ka.Supervisor(children=specs([], "a", "a"))


async def test_children_of_a_supervisor_are_addressable_by_name() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        await tree(system, specs(log, "a", "b"), ka.OneForOne())
        assert sorted(system.actors()) == ["a", "b", "sup"]
        assert await system.ref("sup").ask(Which()) == ["a", "b"]


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda: ka.OneForOne(max_restarts=-1), "max_restarts"),
        (lambda: ka.OneForAll(within=0), "within"),
        (lambda: ka.Backoff(min=2, max=1), "backoff"),
        (lambda: ka.Backoff(jitter=2), "jitter"),
        (lambda: ka.ChildSpec(lambda: Child("a", []), name="a", restart="often"), "restart"),
        (lambda: ka.Supervisor(children=specs([], "a", "a")), "children"),
        (lambda: ka.ActorSystem("no spaces"), "name"),
    ],
)
async def test_bad_configuration_is_a_config_error_naming_its_key(make, key) -> None:
    with pytest.raises(ka.ConfigError) as info:
        make()
    assert info.value.key == key and isinstance(info.value, ValueError)
