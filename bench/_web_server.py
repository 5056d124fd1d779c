"""bench_web.py's server: uvicorn runs it in a process of its own (the client has the other core).

Teams: ``flood`` (one agent streaming a long reply as fast as it can) and
``ticks`` (one agent whose tokens carry the CLOCK_MONOTONIC time they were
produced, one every TICK_DELAY seconds). Raw baselines, plain Starlette
``StreamingResponse``s: ``/raw/<run_id>`` writes a finished run's frames,
one per event; ``/raw-ticks`` writes tick frames made the moment they are sent.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.responses import StreamingResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kaizen_actors.agents import Agent, ScriptedModel
from kaizen_actors.coordination import Solo, team
from kaizen_actors.web import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

FLOOD_WORDS = int(os.environ.get("BENCH_FLOOD_WORDS", "20000"))
TICKS = int(os.environ.get("BENCH_TICKS", "400"))
TICK_DELAY = float(os.environ.get("BENCH_TICK_DELAY", "0.005"))


def now_ns() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class TickModel:
    """Streams TICKS tokens ``" t<ns>"``, each stamped when it is yielded."""

    name = "ticks"

    async def stream(self, messages: list[dict[str, Any]], meter: Any) -> AsyncIterator[str]:
        try:
            for _ in range(TICKS):
                await anyio.sleep(TICK_DELAY)
                yield f" t{now_ns()}"
        finally:
            meter.add(1, TICKS, 0.0)


REPLY = " ".join(f"w{i}" for i in range(FLOOD_WORDS))
flood = Agent("flood", "question -> answer", ScriptedModel(respond=lambda m: REPLY))
ticks = Agent("ticks", "question -> answer", TickModel())


async def raw_run(request: Request) -> StreamingResponse:
    """A finished run's frames, one write per event, as a plain StreamingResponse."""
    run = request.app.state.web.hub.get(request.path_params["run_id"])
    frames = run.frames()

    async def write() -> AsyncIterator[bytes]:
        for frame in frames:
            yield frame

    return StreamingResponse(write(), media_type="text/event-stream")


async def raw_ticks(request: Request) -> StreamingResponse:
    """Tick frames made and written as the ticks happen."""

    async def write() -> AsyncIterator[bytes]:
        for seq in range(TICKS):
            await anyio.sleep(TICK_DELAY)
            yield (
                b'id: %d\nevent: Token\ndata: {"$type":"Token","seq":%d,"text":" t%d"}\n\n'
                % (seq, seq, now_ns())
            )

    return StreamingResponse(write(), media_type="text/event-stream")


app = create_app(
    {"flood": team(flood, pattern=Solo(), name="flood"), "ticks": team(ticks, pattern=Solo())},
    replay=FLOOD_WORDS + 100,
    routes=[Route("/raw/{run_id}", raw_run), Route("/raw-ticks", raw_ticks)],
)
