"""Team benchmarks (BENCHMARKS.md, "Teams").

Run: ``.venv/bin/python bench/bench_team.py [--json]``

1. Parallelism: a 3-agent, 2-round debate whose model calls each take about
   200 ms (ScriptedModel ``token_delay``), against the same six calls awaited
   one after another, in one run. Target: at most 0.4 of the serial time.
2. Coordination overhead of one 3x2 debate with zero-delay models: ``team.run``
   against the same six turns made directly with ``agent.call`` (two rounds of
   three concurrent calls in a task group). Target: under 5 ms added per run.
3. Events per second through ``team.stream()``: three agents streaming long
   replies at once, every event read by the consumer, against the same three
   ``agent.stream()`` iterators merged by hand. Target: >= 100,000/s.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kaizen_actors.agents import Agent, ScriptedModel
from kaizen_actors.coordination import Debate, team

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectSendStream

REPLY = "Yes, 1009 is prime: no prime up to 31 divides it evenly at all."  # 13 words


def debaters(delay: float, reply: str = REPLY) -> list[Agent]:
    return [
        Agent(
            f"solver{i}",
            signature="question -> answer",
            model=ScriptedModel(respond=lambda m: reply, token_delay=delay),
        )
        for i in range(3)
    ]


async def parallel_vs_serial(call_seconds: float = 0.2) -> dict[str, float]:
    delay = call_seconds / (len(REPLY.split()) - 1)  # delays come between tokens
    agents = debaters(delay)
    pattern = Debate(rounds=2, stop_on_agreement=False)
    async with team(*agents, pattern=pattern) as t:
        await t.run(question="warm-up")
        started = time.perf_counter()
        result = await t.run(question="Is 1009 prime?")
        team_s = time.perf_counter() - started
    assert len(result.transcript) == 6
    started = time.perf_counter()
    for _ in range(2):
        for agent in agents:
            await agent.call({"question": "Is 1009 prime?"})
    serial_s = time.perf_counter() - started
    return {"team_s": team_s, "serial_s": serial_s, "ratio": team_s / serial_s}


async def overhead(runs: int = 300) -> dict[str, float]:
    agents = debaters(0.0)
    pattern = Debate(rounds=2, stop_on_agreement=False)
    inputs = {"question": "Is 1009 prime?"}

    async def direct() -> None:
        for _ in range(2):
            async with anyio.create_task_group() as tg:
                for agent in agents:
                    tg.start_soon(agent.call, inputs)

    async with team(*agents, pattern=pattern) as t:
        for _ in range(20):  # warm-up: Kailash's first runs, caches
            await t.run(**inputs)
            await direct()
        team_samples, raw_samples = [], []
        for _ in range(runs):
            started = time.perf_counter()
            await t.run(**inputs)
            team_samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            await direct()
            raw_samples.append(time.perf_counter() - started)
    team_ms = statistics.median(team_samples) * 1e3
    raw_ms = statistics.median(raw_samples) * 1e3
    return {"team_ms": team_ms, "raw_ms": raw_ms, "added_ms": team_ms - raw_ms}


async def stream_rate(words: int = 100_000) -> dict[str, float]:
    """Events/s through ``team.stream()`` and through a hand-made merge of the same
    three ``agent.stream()`` iterators into one memory object stream."""
    reply = " ".join(f"w{i}" for i in range(words))
    agents = debaters(0.0, reply)
    inputs = {"question": "q"}

    async def pump(agent: Agent, send: MemoryObjectSendStream[object]) -> None:
        async with send, agent.stream(**inputs) as events:
            async for event in events:
                try:
                    send.send_nowait(event)
                except anyio.WouldBlock:
                    await send.send(event)

    async def merged() -> int:
        send, receive = anyio.create_memory_object_stream[object](1000)
        count = 0
        async with anyio.create_task_group() as tg, receive:
            for agent in agents:
                tg.start_soon(pump, agent, send.clone())
            send.close()
            while True:  # the fast path team.stream() takes too: no loop trip per event
                try:
                    receive.receive_nowait()
                except anyio.WouldBlock:
                    try:
                        await receive.receive()
                    except anyio.EndOfStream:
                        return count
                except anyio.EndOfStream:
                    return count
                count += 1

    async with team(*agents, pattern=Debate(rounds=1)) as t:
        await t.run(question="warm-up")
        events = 0
        started = time.perf_counter()
        async with t.stream(**inputs) as stream:
            async for _ in stream:
                events += 1
        seconds = time.perf_counter() - started
    started = time.perf_counter()
    raw_events = await merged()
    raw_seconds = time.perf_counter() - started
    return {
        "events": events,
        "seconds": seconds,
        "per_s": events / seconds,
        "raw_per_s": raw_events / raw_seconds,
    }


async def bench() -> dict[str, dict[str, float]]:
    logging.getLogger("kaizen_actors").setLevel(logging.CRITICAL)
    return {
        "parallel": await parallel_vs_serial(),
        "overhead": await overhead(),
        "stream": await stream_rate(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = anyio.run(bench, backend="asyncio")
    if args.json:
        print(json.dumps(results, indent=2))
        return
    p, o, s = results["parallel"], results["overhead"], results["stream"]
    print(
        f"3x2 debate, 200 ms calls: team {p['team_s']:.3f} s, serial {p['serial_s']:.3f} s, "
        f"ratio {p['ratio']:.2f} (target <= 0.4)"
    )
    print(
        f"3x2 debate, zero-delay models: team.run {o['team_ms']:.2f} ms, direct calls "
        f"{o['raw_ms']:.2f} ms, added {o['added_ms']:.2f} ms per run (target < 5 ms)"
    )
    print(
        f"team.stream(): {s['events']:,} events in {s['seconds']:.2f} s = "
        f"{s['per_s']:,.0f} events/s (target >= 100,000); the three agent.stream()s merged "
        f"by hand: {s['raw_per_s']:,.0f} events/s, ratio {s['per_s'] / s['raw_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
