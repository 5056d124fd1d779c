from __future__ import annotations

from typing import Any

import anyio
import pytest
from anyio import wait_all_tasks_blocked

import kaizen_actors as ka

from .common import Boom, Count, Crash, Hold, Ping, Recorder, SpawnChild

pytestmark = pytest.mark.anyio


class Tracked(ka.Actor):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def on_start(self, ctx: ka.ActorContext) -> None:
        self.log.append(f"start {self.name}")

    async def on_stop(self, ctx: ka.ActorContext) -> None:
        self.log.append(f"stop {self.name}")

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if message == SpawnChild():
            child = f"{self.name}.child"
            await ctx.spawn(lambda: Tracked(child, self.log), name=child)
        return None


async def test_shutdown_stops_children_before_parents_and_runs_on_stop() -> None:
    log: list[str] = []
    async with ka.ActorSystem() as system:
        a = await system.spawn(lambda: Tracked("a", log), name="a")
        await a.ask(SpawnChild())
        await system.spawn(lambda: Tracked("b", log), name="b")
    assert log == ["start a", "start a.child", "start b", "stop b", "stop a.child", "stop a"]


async def test_leaving_the_system_leaves_no_task_running() -> None:
    release = anyio.Event()
    before = len(_tasks())
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=release))
        await ref.tell(Hold())
        await wait_all_tasks_blocked()
        assert len(_tasks()) > before
        await system.shutdown(timeout=0.01)
    assert len(_tasks()) == before


def _tasks() -> set[Any]:
    import sniffio

    if sniffio.current_async_library() == "trio":
        import trio

        root = trio.lowlevel.current_root_task()
        found: set[Any] = set()
        stack = [root]
        while stack:
            task = stack.pop()
            found.add(task)
            for nursery in task.child_nurseries:
                stack.extend(nursery.child_tasks)
        return found
    import asyncio

    return set(asyncio.all_tasks())


async def test_queued_messages_are_kept_across_a_restart() -> None:
    release = anyio.Event()
    log: list[int] = []

    class Crashy(Recorder):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            if message == Crash():
                await release.wait()
                raise RuntimeError("planned")
            return await super().receive(message, ctx)

    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Crashy(log))
        await ref.tell(Crash())
        for n in range(5):
            await ref.tell(Ping(n))
        release.set()
        assert await ref.ask(Count()) == 5
    assert log == [0, 1, 2, 3, 4]


async def test_a_ref_stays_valid_across_restarts() -> None:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Recorder, name="rec")
        for _ in range(2):
            with pytest.raises(ka.ActorCrashed):
                await ref.ask(Boom())
            assert await ref.ask(Ping(4)) == 4


async def test_on_stop_queued_messages_go_to_dead_letters_and_their_asks_fail() -> None:
    release = anyio.Event()
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=release), name="rec")
        await ref.tell(Hold())
        await wait_all_tasks_blocked()
        await ref.tell(Ping(1))
        failures: list[BaseException] = []

        async def ask() -> None:
            try:
                await ref.ask(Ping(2))
            except ka.ActorNotFound as exc:
                failures.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            await wait_all_tasks_blocked()
            await ref.stop(timeout=0)  # the message in hand is cancelled at once
        assert len(failures) == 1 and isinstance(failures[0], ka.ActorStopped)
        dropped = [d.message for d in system.dead_letters]
        assert Ping(1) in dropped
        assert any(isinstance(m, Hold) for m in dropped)


async def test_a_stopped_actor_frees_its_name() -> None:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Recorder, name="rec")
        with pytest.raises(ka.ActorError, match="already runs"):
            await system.spawn(Recorder, name="rec")
        await ref.stop()
        await system.spawn(Recorder, name="rec")
        assert await ref.ask(Ping(2)) == 2


async def test_spawn_raises_what_on_start_raised_and_frees_the_name() -> None:
    class Refuses(ka.Actor):
        async def on_start(self, ctx: ka.ActorContext) -> None:
            raise LookupError("no config")

    async with ka.ActorSystem() as system:
        with pytest.raises(LookupError, match="no config"):
            await system.spawn(Refuses, name="x")
        assert "x" not in system.actors()


async def test_an_actor_without_super_init_works() -> None:
    class Bare(ka.Actor):
        def __init__(self) -> None:
            self.n = 1

        async def receive(self, message: Any, ctx: ka.ActorContext) -> int:
            return self.n

    async with ka.ActorSystem() as system:
        assert await (await system.spawn(Bare)).ask(Ping()) == 1


async def test_using_a_system_outside_async_with_raises_system_stopped() -> None:
    system = ka.ActorSystem()
    with pytest.raises(ka.SystemStopped, match="async with"):
        await system.spawn(Recorder)
    async with system:
        pass
    with pytest.raises(ka.SystemStopped):
        await system.ref("x").ask(Ping())


async def test_ctx_stop_ends_a_transient_actor_for_good() -> None:
    class Once(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
            ctx.stop()
            return "bye"

    async with ka.ActorSystem() as system:
        ref = await system.spawn(Once, name="once")
        assert await ref.ask(Ping()) == "bye"
        await ref.wait_stopped()
        assert "once" not in system.actors()


async def test_an_on_stop_that_hangs_is_cancelled_after_stop_timeout() -> None:
    stopped = anyio.Event()

    class Stuck(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> None:
            return None

        async def on_stop(self, ctx: ka.ActorContext) -> None:
            try:
                await anyio.sleep_forever()
            finally:
                stopped.set()

    with anyio.fail_after(5):
        async with ka.ActorSystem(stop_timeout=0.05) as system:
            await system.spawn(Stuck)
    assert stopped.is_set()


async def test_ref_stop_lets_the_message_in_hand_finish_within_its_timeout() -> None:
    release, holding = anyio.Event(), anyio.Event()
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=release, holding=holding), name="rec")
        replies: list[Any] = []

        async def ask() -> None:
            replies.append(await ref.ask(Hold(), timeout=30))

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            await holding.wait()
            await ref.tell(Ping(1))
            tg.start_soon(ref.stop)
            await wait_all_tasks_blocked()
            assert replies == []  # stop waits for the message in hand...
            release.set()
        assert replies == ["released"]  # ...which finished; the queued one was dropped
        assert [d.message for d in system.dead_letters] == [Ping(1)]


async def test_ref_stop_cancels_the_message_in_hand_past_its_timeout() -> None:
    holding = anyio.Event()
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=anyio.Event(), holding=holding))
        failures: list[BaseException] = []

        async def ask() -> None:
            try:
                await ref.ask(Hold(), timeout=30)
            except ka.ActorStopped as exc:
                failures.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            await holding.wait()
            await ref.stop(timeout=0.05)  # Hold never finishes: cancelled after 50 ms
        assert len(failures) == 1 and "stopped" in str(failures[0])
