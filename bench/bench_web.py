"""Web benchmarks (BENCHMARKS.md, "Web").

Run: ``.venv/bin/python bench/bench_web.py [--rounds 3] [--json]``

The server (bench/_web_server.py) runs under uvicorn in its own process on
127.0.0.1, so the client here has the other core. Each figure is measured
against its raw baseline in the same round, rounds alternating.

1. Events per second from one run to one SSE client, and to 100 concurrent
   clients: a run streaming 20,000 tokens through ``GET /runs/<id>/events``
   (from ``POST /runs`` to the last byte), against a plain Starlette
   ``StreamingResponse`` writing the same frames, one write per event.
   Target: at least 0.7 of raw.
2. Token-to-client latency: a model yields a token stamped with
   CLOCK_MONOTONIC every 5 ms; the client reads the line and takes the
   difference. Baseline: a ``StreamingResponse`` writing such frames as it
   makes them. Target: p50 under 2 ms.
3. Memory of 1,000 finished runs held for replay (3-agent debates of the
   offline demo, about 170 events each), measured with tracemalloc in this
   process, against the bytes of their SSE frames alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import percentile, row  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent


def now_ns() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """bench/_web_server.py under uvicorn in a subprocess."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "_web_server:app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT / "bench",
        )

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            with anyio.fail_after(60):
                while True:
                    try:
                        if (await client.get(f"{self.url}/healthz")).status_code == 200:
                            return
                    except httpx.TransportError:
                        pass
                    await anyio.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


async def drain(client: httpx.AsyncClient, path: str) -> int:
    size = 0
    async with client.stream("GET", path) as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            size += len(chunk)
    return size


async def fan_out(client: httpx.AsyncClient, path: str, clients: int) -> None:
    async with anyio.create_task_group() as tg:
        for _ in range(clients):
            tg.start_soon(drain, client, path)


async def throughput(url: str, clients: int) -> tuple[float, float, str]:
    """(ours, raw) events per second delivered to ``clients`` clients, and the run id."""
    limits = httpx.Limits(max_connections=clients + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        started = time.perf_counter()
        response = await client.post("/runs", json={"team": "flood", "inputs": {"question": "go"}})
        run_id = response.json()["run_id"]
        await fan_out(client, f"/runs/{run_id}/events", clients)
        ours_s = time.perf_counter() - started
        events = (await client.get(f"/runs/{run_id}")).json()["events"]
        started = time.perf_counter()
        await fan_out(client, f"/raw/{run_id}", clients)
        raw_s = time.perf_counter() - started
    return events * clients / ours_s, events * clients / raw_s, run_id


async def latencies(client: httpx.AsyncClient, path: str) -> list[float]:
    samples = []
    async with client.stream("GET", path) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and '"text":" t' in line:
                read = now_ns()
                stamp = int(line.split('"text":" t', 1)[1].split('"', 1)[0])
                samples.append((read - stamp) / 1e6)
    return samples


async def latency(url: str) -> tuple[list[float], list[float]]:
    """Token-to-client latencies in ms: ours, raw."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        response = await client.post("/runs", json={"team": "ticks", "inputs": {"question": "go"}})
        ours = await latencies(client, f"/runs/{response.json()['run_id']}/events")
        raw = await latencies(client, "/raw-ticks")
    return ours, raw


async def held_memory(runs: int = 1000) -> tuple[float, float]:
    """(bytes held by the hub per finished run, bytes of its SSE frames alone)."""
    from kaizen_actors.cli._demo_team import build_scenario
    from kaizen_actors.coordination import team
    from kaizen_actors.web import RunHub, ServedTeam

    agents, pattern, inputs = build_scenario("debate", token_delay=0.0)
    async with team(*agents, pattern=pattern, name="debate") as debate:
        served = ServedTeam("debate", debate)
        hub = RunHub(keep_finished=3600, max_runs=runs)
        async with hub:
            held = [hub.start(served, inputs, detached=True) for _ in range(20)]  # warm-up
            for run in held:
                await run.ended.wait()
            del held
            hub._runs.clear()
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(runs // 50):
                batch = [hub.start(served, inputs, detached=True) for _ in range(50)]
                for run in batch:
                    await run.ended.wait()
            await debate.wait_idle()
            await anyio.sleep(0.1)  # the runs' tasks reach their linger
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            frames = sum(len(f) for r in hub.runs for f in r.frames())
            assert len(hub.runs) == runs
            assert all(r.state == "finished" for r in hub.runs)
    return (after - before) / runs, frames / runs


async def main(rounds: int, as_json: bool) -> None:
    server = Server()
    results: dict[str, Any] = {}
    try:
        await server.ready()
        await throughput(server.url, 1)  # warm-up: the server's first run loads kailash
        one: list[tuple[float, float]] = []
        many: list[tuple[float, float]] = []
        lat: list[tuple[list[float], list[float]]] = []
        for _ in range(rounds):
            ours, raw, _ = await throughput(server.url, 1)
            one.append((ours, raw))
            ours, raw, _ = await throughput(server.url, 100)
            many.append((ours, raw))
            lat.append(await latency(server.url))
    finally:
        server.stop()
    per_run, frame_bytes = await held_memory()
    lines = []
    for label, pairs in (
        ("events/s, one run -> 1 SSE client", one),
        ("events/s, one run -> 100 SSE clients", many),
    ):
        ratios = [o / r for o, r in pairs]
        ours_med = statistics.median(o for o, _ in pairs)
        raw_med = statistics.median(r for _, r in pairs)
        lines.append(row(label, ours_med, raw_med, "ev/s", ">= 0.7 of raw"))
        lines.append(f"{'':44} ratio per round: {', '.join(f'{x:.2f}' for x in ratios)}")
        results[label] = {"ours": ours_med, "raw": raw_med, "ratios": ratios}
    ours_lat = [s for o, _ in lat for s in o]
    raw_lat = [s for _, r in lat for s in r]
    for q in (50, 99):
        lines.append(
            row(
                f"token-to-client latency p{q}",
                percentile(ours_lat, q),
                percentile(raw_lat, q),
                "ms",
                "p50 < 2 ms",
            )
        )
        results[f"latency p{q} ms"] = {
            "ours": percentile(ours_lat, q),
            "raw": percentile(raw_lat, q),
        }
    lines.append(
        row(
            "memory per finished run held (1,000 runs)",
            per_run / 1024,
            frame_bytes / 1024,
            "KiB",
            "raw = its SSE frames' bytes",
        )
    )
    results["memory per run KiB"] = {"ours": per_run / 1024, "frames": frame_bytes / 1024}
    print(json.dumps(results, indent=2) if as_json else "\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    anyio.run(main, args.rounds, args.json, backend="asyncio")
