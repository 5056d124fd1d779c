"""Helpers shared by the benchmarks: percentiles, result printing, the agent call measured."""

from __future__ import annotations

import statistics
import time
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``samples``."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} us"


def row(label: str, ours: float, raw: float, unit: str, target: str) -> str:
    """One line: our number, the baseline's, their ratio and the target."""
    ratio = ours / raw if raw else float("nan")
    mine = f"ours {ours:12,.1f} {unit:<6}"
    theirs = f"raw {raw:12,.1f} {unit:<6}"
    return f"{label:<44} {mine} {theirs} ratio {ratio:6.2f}  ({target})"


def median(values: list[float]) -> float:
    return statistics.median(values)


async def agent_call_p50(system: Any, calls: int) -> float:
    """p50 seconds of ``ref.ask(AgentTask)`` to an agent whose ``ScriptedModel`` answers at once.

    The agent is spawned in ``system`` (a running ``ka.ActorSystem``); 50 calls warm it up.
    """
    import kaizen_actors as ka
    from kaizen_actors.agents import AgentTask

    agent = ka.Agent(
        "bencher", "question -> answer", model=ka.ScriptedModel(respond=lambda m: "Yes it is.")
    )
    ref = await agent.spawn(system)
    task = AgentTask(inputs={"question": "Is 1009 prime?"}, run_id="bench")
    for _ in range(50):
        await ref.ask(task, timeout=30)
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await ref.ask(task, timeout=30)
        samples.append(time.perf_counter() - start)
    return percentile(samples, 50)


async def echo_ask_p50(system: Any, asks: int) -> float:
    """p50 seconds of ``ref.ask(i)`` to an actor that answers with the message (200 to warm up)."""
    import kaizen_actors as ka

    class Echo(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            return message

    ref = await system.spawn(Echo, name="echo")
    for i in range(200):
        await ref.ask(i)
    samples = []
    for i in range(asks):
        start = time.perf_counter()
        await ref.ask(i)
        samples.append(time.perf_counter() - start)
    return percentile(samples, 50)
