"""Actor runtime benchmarks, each beside the raw baseline it wraps, in the same run.

Run: python bench/bench_actors.py [--messages 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import contextlib

import kaizen_actors as ka
from bench._util import percentile, row

ASYNCIO_IMPORT = "import time; t=time.perf_counter(); import asyncio; print(time.perf_counter()-t)"
HEAVY = ("kailash", "litellm", "nats", "mcp", "starlette", "pydantic", "rich")


class Sink(ka.Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        self.count += 1
        return message


async def raw_queue_throughput(n: int) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue(1000)
    done = asyncio.Event()

    async def consumer() -> None:
        for _ in range(n):
            await queue.get()
        done.set()

    task = asyncio.create_task(consumer())
    start = time.perf_counter()
    for i in range(n):
        await queue.put(i)
    await done.wait()
    elapsed = time.perf_counter() - start
    await task
    return n / elapsed


async def tell_throughput(n: int) -> float:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Sink, name="sink")
        start = time.perf_counter()
        for i in range(n):
            await ref.tell(i)
        await ref.ask("sync", timeout=60)
        return n / (time.perf_counter() - start)


async def raw_ping_pong(rounds: int) -> list[float]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, asyncio.Future[int]]] = asyncio.Queue()

    async def server() -> None:
        while True:
            value, future = await queue.get()
            future.set_result(value)

    task = asyncio.create_task(server())
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        future = loop.create_future()
        queue.put_nowait((i, future))
        await future
        samples.append(time.perf_counter() - start)
    task.cancel()
    return samples


async def ask_latency(rounds: int) -> list[float]:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Sink)
        samples = []
        for i in range(rounds):
            start = time.perf_counter()
            await ref.ask(i)
            samples.append(time.perf_counter() - start)
        return samples


async def pass_through(message: Any, ctx: ka.ActorContext, call_next: ka.actors.CallNext) -> Any:
    return await call_next(message, ctx)


async def ask_latency_with(middleware: list[ka.Middleware], rounds: int) -> list[float]:
    async with ka.ActorSystem(middleware=middleware) as system:
        ref = await system.spawn(Sink)
        samples = []
        for i in range(rounds):
            start = time.perf_counter()
            await ref.ask(i)
            samples.append(time.perf_counter() - start)
        return samples


async def concurrent_asks(clients: int, per_client: int) -> float:
    async with ka.ActorSystem() as system:
        ref = await system.spawn(Sink)

        async def client() -> None:
            for i in range(per_client):
                await ref.ask(i)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return clients * per_client / (time.perf_counter() - start)


class Yielding(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        await asyncio.sleep(0)  # a handler that awaits once
        return message


async def herded_asks(asks: int, mailbox_size: int) -> float:
    """Seconds for ``asks`` concurrent asks to one actor with a ``mailbox_size`` mailbox."""
    async with ka.ActorSystem(ask_timeout=600) as system:
        ref = await system.spawn(Yielding, mailbox_size=mailbox_size)
        start = time.perf_counter()
        await asyncio.gather(*(ref.ask(i) for i in range(asks)))
        return time.perf_counter() - start


async def raw_concurrent(clients: int, per_client: int) -> float:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, asyncio.Future[int]]] = asyncio.Queue(1000)

    async def server() -> None:
        while True:
            value, future = await queue.get()
            future.set_result(value)

    task = asyncio.create_task(server())

    async def client() -> None:
        for i in range(per_client):
            future = loop.create_future()
            await queue.put((i, future))
            await future

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    rate = clients * per_client / (time.perf_counter() - start)
    task.cancel()
    return rate


async def spawn_many(n: int) -> tuple[float, float]:
    async with ka.ActorSystem(mailbox_size=16) as system:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        for i in range(n):
            await system.spawn(Sink, name=f"a{i}")
        elapsed = time.perf_counter() - start
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return elapsed, (after - before) / n


async def raw_queue_and_task(n: int) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    queues = [asyncio.Queue(16) for _ in range(n)]
    tasks = [asyncio.create_task(q.get()) for q in queues]
    await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return elapsed, (after - before) / n


class Crashy(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if message == "crash":
            raise RuntimeError("bench")
        return message


async def restart_latency(rounds: int) -> list[float]:
    import logging

    logging.getLogger("kaizen_actors").disabled = True
    strategy = ka.OneForOne(max_restarts=rounds + 1, within=3600)
    async with ka.ActorSystem(root_strategy=strategy) as system:
        ref = await system.spawn(Crashy, name="c")
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            with contextlib.suppress(ka.ActorCrashed):
                await ref.ask("crash")
            await ref.ask("up")
            samples.append(time.perf_counter() - start)
        return samples


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter, as users' installs do: bytecode is cached
    (PYTHONDONTWRITEBYTECODE, set on some machines, would time compiling our sources)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout


def cold_import() -> tuple[float, list[str], float]:
    """Best of 5 fresh processes: seconds to import kaizen_actors and reach the actor
    layer, the heavy modules it left unimported, and seconds to import asyncio alone."""
    code = (
        "import time, sys; t = time.perf_counter(); import kaizen_actors as ka; ka.ActorSystem;"
        "print(time.perf_counter() - t); "
        f"print(','.join(m for m in {HEAVY!r} if m not in sys.modules))"
    )
    samples = []
    for _ in range(5):
        seconds, absent = _python(code).split("\n")[:2]
        samples.append(float(seconds))
    baseline = [float(_python(ASYNCIO_IMPORT)) for _ in range(5)]
    return min(samples), absent.split(","), min(baseline)


async def main(messages: int) -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, asyncio backend")
    raw = await raw_queue_throughput(messages)
    ours = await tell_throughput(messages)
    print(
        row(
            f"tell throughput, {messages:,} msgs (msg/s)", ours, raw, "msg/s", "target ratio >= 0.5"
        )
    )

    raw_samples = await raw_ping_pong(20000)
    our_samples = await ask_latency(20000)
    for q in (50, 99):
        print(
            row(
                f"ask round trip p{q} (us)",
                percentile(our_samples, q) * 1e6,
                percentile(raw_samples, q) * 1e6,
                "us",
                "target ratio <= 3" if q == 50 else "reported",
            )
        )
    bare, wrapped = [], []
    for _ in range(5):  # interleaved, medians of the p50s
        bare.append(percentile(await ask_latency_with([], 10000), 50))
        wrapped.append(percentile(await ask_latency_with([pass_through], 10000), 50))
    print(
        row(
            "ask p50, one pass-through middleware (us)",
            statistics.median(wrapped) * 1e6,
            statistics.median(bare) * 1e6,
            "us",
            "reported; raw = no middleware",
        )
    )
    raw_rates, our_rates = [], []
    for _ in range(5):  # interleaved, medians: single runs vary by half on these machines
        raw_rates.append(await raw_concurrent(100, 500))
        our_rates.append(await concurrent_asks(100, 500))
    raw_rate, our_rate = statistics.median(raw_rates), statistics.median(our_rates)
    print(row("asks/s, 100 concurrent clients", our_rate, raw_rate, "ask/s", "higher is better"))

    full, roomy = [], []
    for _ in range(5):  # interleaved, medians
        full.append(await herded_asks(3000, 50))
        roomy.append(await herded_asks(3000, 10**9))
    print(
        row(
            "3,000 asks, 50-slot mailbox (ms)",
            statistics.median(full) * 1e3,
            statistics.median(roomy) * 1e3,
            "ms",
            "target ratio <= 2; raw = unbounded mailbox",
        )
    )

    n = 10000
    raw_t, raw_mem = await raw_queue_and_task(n)
    our_t, our_mem = await spawn_many(n)
    print(
        row(
            f"spawn {n:,} actors, total time (ms)",
            our_t * 1e3,
            raw_t * 1e3,
            "ms",
            "target < 1000 ms",
        )
    )
    print(
        row(
            "memory per idle actor (bytes)",
            our_mem,
            raw_mem,
            "B",
            "target < 4096 B; raw = queue + task",
        )
    )

    samples = await restart_latency(2000)
    print(
        f"{'restart after a crash, crash ask + next ask':<44} "
        f"p50 {percentile(samples, 50) * 1e6:8.1f} us  "
        f"p99 {percentile(samples, 99) * 1e6:8.1f} us  (target p50 < 1000 us)"
    )

    seconds, absent, baseline = cold_import()
    print(
        f"{'cold import kaizen_actors (best of 5)':<44} {seconds * 1e3:8.1f} ms  "
        f"(import asyncio alone {baseline * 1e3:.1f} ms; target < 100 ms)"
    )
    print(f"{'  heavy modules not imported':<44} {', '.join(absent)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.messages))
