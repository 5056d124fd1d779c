"""Ask deadlines share one loop timer: answered asks do not pile up behind it."""

from __future__ import annotations

import asyncio
from functools import partial

import anyio

import kaizen_actors as ka
from kaizen_actors.transport._deadlines import loop_deadlines

from .common import Hold, Ping, Recorder


def test_answered_asks_leave_the_deadline_queue() -> None:
    # asyncio only: on trio an ask waits in an anyio cancel scope.
    async def main() -> int:
        async with ka.ActorSystem() as system:
            ref = await system.spawn(Recorder)
            for n in range(10_000):
                assert await ref.ask(Ping(n), timeout=60) == n
            return len(loop_deadlines(asyncio.get_running_loop()))

    assert asyncio.run(main()) <= 1


def test_answered_asks_behind_a_waiting_one_or_with_timeouts_used_once_are_dropped() -> None:
    async def main() -> int:
        release = anyio.Event()
        async with ka.ActorSystem() as system:
            held = await system.spawn(lambda: Recorder(release=release))
            ref = await system.spawn(Recorder)
            async with anyio.create_task_group() as tg:
                tg.start_soon(partial(held.ask, Hold(), timeout=60))  # waits at a queue's head
                await anyio.wait_all_tasks_blocked()
                for n in range(5_000):
                    assert await ref.ask(Ping(n), timeout=60) == n
                    assert await ref.ask(Ping(n), timeout=60 + n / 1000) == n  # a new timeout
                queued = len(loop_deadlines(asyncio.get_running_loop()))
                release.set()
            return queued

    assert asyncio.run(main()) <= 2 * 1024 + 1
