"""Cancellation latency and event-loop responsiveness (BENCHMARKS.md, "Cancellation").

Run: ``.venv/bin/python bench/bench_cancel.py [--rounds 200]``

1. One agent: from the cancel (made in the ``Token`` callback) to the model
   stream's ``finally``, against a bare task reading the same model stream
   and cancelled on its first token. Target (issue 3): within 50 ms.
2. A team of three in a one-round debate: from breaking out of
   ``team.stream()`` to the last of the three model streams closing, in
   process and over a local nats-server (every turn crosses the network),
   against three bare tasks reading the same model streams, cancelled
   together. Target (issue 4): within 100 ms.
3. Loop stall while 100 agents stream 40 tokens each, 10 ms apart: the
   longest single step of the asyncio loop (and its p99.9), against 100 bare
   tasks reading the same model streams. Garbage collections count, as they
   would in an application. And the stall as issue 3 defines it: the loop's
   own CPU time between two beats of a 1 ms heartbeat, the collector paused.

The probe model yields one token and then waits a minute for the next, so
each latency is the cancel's alone, never the end of a reply.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import percentile
from kaizen_actors.agents import Agent, ScriptedModel, UsageMeter
from kaizen_actors.coordination import Debate, team
from kaizen_actors.events import Token
from tests.natsserver import NatsServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

MESSAGES = [{"role": "user", "content": "topic: t"}]


class Probe:
    """Streams one token, then waits a minute; records when its stream closed."""

    name = "probe"

    def __init__(self) -> None:
        self.closed_at = 0.0
        self.closed = anyio.Event()

    async def stream(self, messages: list[dict[str, str]], meter: UsageMeter) -> AsyncIterator[str]:
        try:
            yield "word"
            await anyio.sleep(60)
            yield "never"
        finally:
            self.closed_at = time.perf_counter()
            self.closed.set()


async def agent_cancel(rounds: int) -> tuple[list[float], list[float]]:
    """Latencies (s) of cancelling ``agent.call`` and of cancelling a bare reader."""
    ours: list[float] = []
    raw: list[float] = []
    for _ in range(rounds):
        model = Probe()
        agent = Agent("probe", signature="topic -> text", model=model)
        cancelled_at = 0.0
        with anyio.CancelScope() as scope:

            async def on_event(event: Any, scope: anyio.CancelScope = scope) -> None:
                nonlocal cancelled_at
                if isinstance(event, Token):
                    cancelled_at = time.perf_counter()
                    scope.cancel()

            await agent.call({"topic": "t"}, on_event=on_event)
        ours.append(model.closed_at - cancelled_at)

        model = Probe()
        with anyio.CancelScope() as scope:
            async for _ in model.stream(MESSAGES, UsageMeter()):
                cancelled_at = time.perf_counter()
                scope.cancel()
        raw.append(model.closed_at - cancelled_at)
    return ours, raw


def probe_team(models: list[Probe]) -> list[Agent]:
    return [Agent(f"p{i}", signature="question -> answer", model=m) for i, m in enumerate(models)]


async def team_cancel(rounds: int) -> list[float]:
    """Latencies (s) from leaving ``team.stream()`` to the last model stream closing."""
    latencies: list[float] = []
    for _ in range(rounds):
        models = [Probe() for _ in range(3)]
        async with team(*probe_team(models), pattern=Debate(rounds=1)) as t:
            tokens = 0
            async with t.stream(question="q") as events:
                async for event in events:
                    tokens += isinstance(event, Token)
                    if tokens == len(models):
                        left = time.perf_counter()
                        break
            with anyio.fail_after(10):
                for model in models:
                    await model.closed.wait()
        latencies.append(max(m.closed_at for m in models) - left)
    return latencies


async def raw_team_cancel(rounds: int) -> list[float]:
    """The baseline: three bare tasks reading the models, cancelled after three tokens."""
    latencies: list[float] = []
    for _ in range(rounds):
        models = [Probe() for _ in range(3)]
        tokens = 0
        left = 0.0
        async with anyio.create_task_group() as tg:

            async def read(model: Probe, tg: anyio.abc.TaskGroup = tg) -> None:
                nonlocal tokens, left
                async for _ in model.stream(MESSAGES, UsageMeter()):
                    tokens += 1
                    if tokens == 3:
                        left = time.perf_counter()
                        tg.cancel_scope.cancel()

            for model in models:
                tg.start_soon(read, model)
        latencies.append(max(m.closed_at for m in models) - left)
    return latencies


async def stall(consumers: list[Callable[[], Awaitable[None]]]) -> tuple[float, float]:
    """Longest and p99.9 duration (s) of one event-loop step while ``consumers`` run.

    Every callback the asyncio loop runs (a task step, a timer) is timed: the
    longest is the worst stall any other task on the loop could see.
    """
    steps: list[float] = []
    run_step = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        start = time.perf_counter()
        run_step(handle)
        steps.append(time.perf_counter() - start)

    gc.collect()
    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    try:
        async with anyio.create_task_group() as tg:
            for consume in consumers:
                tg.start_soon(consume)
    finally:
        asyncio.events.Handle._run = run_step  # type: ignore[method-assign]
    return max(steps), percentile(steps, 99.9)


async def heartbeat_stall(consumers: list[Callable[[], Awaitable[None]]]) -> tuple[float, float]:
    """Worst and p99 CPU time (s) of the loop between two beats of a 1 ms heartbeat.

    As issue 3 defines the stall: the loop's own work between two beats
    (``time.thread_time``, so another process taking the core does not
    count), with the garbage collector paused.
    """
    gaps: list[float] = []
    done = anyio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            start = time.thread_time()
            await anyio.sleep(0.001)
            gaps.append(time.thread_time() - start)

    gc.collect()
    gc.disable()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(heartbeat)
            async with anyio.create_task_group() as inner:
                for consume in consumers:
                    inner.start_soon(consume)
            done.set()
    finally:
        gc.enable()
    return max(gaps), percentile(gaps, 99)


WORDS = " ".join(f"w{i}" for i in range(40))


def scripted() -> ScriptedModel:
    return ScriptedModel(respond=lambda m: WORDS, token_delay=0.01)


def agent_consumers(n: int) -> list[Callable[[], Awaitable[None]]]:
    async def consume(agent: Agent) -> None:
        async for _ in agent.stream(topic="t"):
            pass

    agents = [Agent(f"a{i}", signature="topic -> text", model=scripted()) for i in range(n)]
    return [partial(consume, agent) for agent in agents]


def reader_consumers(n: int) -> list[Callable[[], Awaitable[None]]]:
    async def consume(model: ScriptedModel) -> None:
        async for _ in model.stream(MESSAGES, UsageMeter()):
            pass

    return [partial(consume, scripted()) for _ in range(n)]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:6.2f} ms"


def report(label: str, ours: list[float], raw: list[float], target: str) -> None:
    for q in (50, 99):
        mine, theirs = percentile(ours, q), percentile(raw, q)
        print(
            f"{label} p{q}: ours {ms(mine)}  raw {ms(theirs)}  "
            f"(+{ms(mine - theirs).strip()})  target {target}"
        )


async def bench(rounds: int, nats_url: str, repeats: int) -> None:
    logging.getLogger("kaizen_actors").setLevel(logging.CRITICAL)
    await agent_cancel(5)  # warm-up: Kailash's first run imports its lazily loaded modules
    ours, raw = await agent_cancel(rounds)
    report("agent.call cancel -> model stream closed", ours, raw, "< 50 ms")

    raw_team = await raw_team_cancel(rounds // 4)
    local = await team_cancel(rounds // 4)
    report("team.stream left -> 3 model streams closed, in process", local, raw_team, "< 100 ms")
    os.environ["KAIZEN_TRANSPORT"] = nats_url
    os.environ["KAIZEN_LOOPBACK"] = "1"
    try:
        remote = await team_cancel(rounds // 4)
    finally:
        del os.environ["KAIZEN_TRANSPORT"], os.environ["KAIZEN_LOOPBACK"]
    report("team.stream left -> 3 model streams closed, over NATS", remote, raw_team, "< 100 ms")

    kinds = {"agents": agent_consumers, "bare readers": reader_consumers}
    for measure, title in ((stall, "longest loop step"), (heartbeat_stall, "heartbeat stall")):
        # Interleaved repeats, medians: one run of a hundred streams is noisy here.
        results: dict[str, list[tuple[float, float]]] = {label: [] for label in kinds}
        for _ in range(repeats):
            for label, consumers in kinds.items():
                results[label].append(await measure(consumers(100)))
        for label, runs in results.items():
            worst = statistics.median(w for w, _ in runs)
            tail = statistics.median(t for _, t in runs)
            print(
                f"{title}, 100 {label} streaming (median of {repeats}): worst {ms(worst)}  "
                f"{'p99.9' if measure is stall else 'p99'} {ms(tail)}"
                + ("  (target: worst < 5 ms)" if measure is heartbeat_stall else "")
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="cancels per single-agent row")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each loop-stall row")
    args = parser.parse_args()
    with NatsServer() as server:
        anyio.run(bench, args.rounds, server.url, args.repeats, backend="asyncio")


if __name__ == "__main__":
    main()
