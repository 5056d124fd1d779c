"""Optimization wall time: evaluations in parallel on evaluator actors, against one at a time.

Run: python bench/bench_optimize.py [--delay 0.2] [--examples 32] [--max-parallel 8]

A scripted model takes ``--delay`` seconds per call (an async sleep, as a
provider's latency). ``ka.optimize`` runs the default engine (bootstrap,
7 proposals, 9 programs scored on the held-out half) twice: with
``max_parallel`` model calls at once, then with ``max_parallel=1`` (the
same evaluations one after another: the raw baseline). Target: parallel at
most 1.3 / max_parallel of serial (the stages are barriers, so part of the
last wave of each stage runs below full width).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import anyio

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._util import row
from kaizen_actors import Budget, Prediction, ScriptedModel, optimize, signature


def timed_optimization(delay: float, examples: int, max_parallel: int) -> tuple[float, int]:
    """Seconds of one optimization and the model calls it made."""
    calls = 0

    async def respond(messages: list[dict[str, Any]]) -> str:
        nonlocal calls
        calls += 1
        await anyio.sleep(delay)
        if "improve the instructions" in messages[0]["content"]:
            return f"Double the number (version {calls})."
        number = int(messages[-1]["content"].removeprefix("number: "))
        return str(number * 2) if "Worked examples" in messages[0]["content"] else "?"

    @signature(model=ScriptedModel(respond=respond))
    def double(number: int) -> str:
        """Double the number."""

    def exact(example: dict[str, Any], prediction: Prediction) -> float:
        return float(prediction.output == example["output"])

    trainset = [{"number": n, "output": str(2 * n)} for n in range(examples)]

    async def main() -> float:
        start = time.perf_counter()
        better = await optimize(
            double,
            trainset,
            exact,
            max_parallel=max_parallel,
            budget=Budget(max_seconds=600),
            progress=False,
        )
        assert better.scores["best"] == 1.0, better.scores
        return time.perf_counter() - start

    return anyio.run(main, backend="asyncio"), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--examples", type=int, default=32)
    parser.add_argument("--max-parallel", type=int, default=8)
    args = parser.parse_args()
    parallel, calls = timed_optimization(args.delay, args.examples, args.max_parallel)
    serial, serial_calls = timed_optimization(args.delay, args.examples, 1)
    assert calls == serial_calls, (calls, serial_calls)
    target = 1.3 / args.max_parallel
    print(f"{calls} model calls of {args.delay * 1000:.0f} ms; max_parallel={args.max_parallel}")
    print(
        row(
            "optimization wall time (s)",
            parallel,
            serial,
            "s",
            f"raw = max_parallel=1; target ratio <= {target:.3f}",
        )
    )
    print(f"ideal ratio (every wave of calls full): {1 / args.max_parallel:.3f}")


if __name__ == "__main__":
    main()
