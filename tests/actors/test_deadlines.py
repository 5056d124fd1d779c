"""Ask deadlines share one loop timer: answered asks do not pile up behind it."""

from __future__ import annotations

import asyncio

import kaizen_actors as ka
from kaizen_actors.transport._deadlines import loop_deadlines

from .common import Ping, Recorder


def test_answered_asks_leave_the_deadline_queue() -> None:
    # asyncio only: on trio an ask waits in an anyio cancel scope.
    async def main() -> int:
        async with ka.ActorSystem() as system:
            ref = await system.spawn(Recorder)
            for n in range(10_000):
                assert await ref.ask(Ping(n), timeout=60) == n
            return len(loop_deadlines(asyncio.get_running_loop()))

    assert asyncio.run(main()) <= 1
