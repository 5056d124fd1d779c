"""MCP benchmark (BENCHMARKS.md, "MCP"): the per-call overhead of a served team.

Run: ``.venv/bin/python bench/bench_mcp.py [--calls 300] [--rounds 3] [--json]``

One solo agent (``ScriptedModel``, no delay, a five-token answer) is called
``calls`` times in a row, one call at a time, with the ``mcp`` package's
client; each figure is the median call, from ``call_tool`` to its checked
result. The server runs in a process of its own (bench/_mcp_server.py) on
127.0.0.1, so the client has the other core:

- streamable HTTP at ``/mcp`` of the web app, on the 2025 wire (initialize
  handshake, a session, each result as an SSE response) and on the 2026
  wire (one self-contained POST a call);
- stdio (``serve_stdio``, the server as the client's child process).

Baseline, measured in the same round: ``team.run()`` of the same agent in
this process. Overhead = MCP call - ``team.run()``; target under 5 ms on
loopback. For scale, the same client calling a bare ``mcp`` low-level server
whose tool answers at once (the SDK's own floor, no team behind it).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _mcp_server import solo  # type: ignore[import-not-found]
from _util import row  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
SERVER = str(ROOT / "bench" / "_mcp_server.py")
QUESTION = {"question": "Is 1009 prime?"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def http_server(stack: AsyncExitStack) -> str:
    """Start the HTTP server process; its base URL once it answers."""
    port = free_port()
    process = await anyio.open_process(
        [sys.executable, SERVER, "http", str(port)], stdout=None, stderr=None
    )

    async def stop() -> None:
        process.terminate()
        with anyio.fail_after(20):
            await process.wait()

    stack.push_async_callback(stop)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        with anyio.fail_after(60):
            while True:
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return url
                except httpx.TransportError:
                    await anyio.sleep(0.1)


async def timed_calls(client: Any, calls: int) -> float:
    """The median seconds of ``calls`` sequential calls (after a warm-up)."""
    for _ in range(20):
        await client.call_tool("solo", QUESTION)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await client.call_tool("solo", QUESTION)
        samples.append(time.perf_counter() - started)
        assert result.structured_content == {"answer": "Yes, 1009 is prime."}
    return statistics.median(samples)


async def in_process(calls: int) -> float:
    """The median seconds of ``team.run()`` of the same agent, in this process."""
    from kaizen_actors.coordination import Solo, team

    async with team(solo(), pattern=Solo(), name="solo") as served:
        for _ in range(20):
            await served.run(**QUESTION)
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            await served.run(**QUESTION)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def clients(url: str) -> dict[str, Any]:
    from mcp import Client, StdioServerParameters

    def stdio(mode: str) -> StdioServerParameters:
        return StdioServerParameters(command=sys.executable, args=[SERVER, mode], cwd=ROOT)

    return {
        "HTTP 2025 wire (session + SSE)": (
            Client(f"{url}/mcp", mode="legacy"),
            Client(f"{url}/floor", mode="legacy"),
        ),
        "HTTP 2026 wire (a POST a call)": (
            Client(f"{url}/mcp"),
            Client(f"{url}/floor"),
        ),
        "stdio": (
            Client(stdio("stdio"), mode="legacy"),
            Client(stdio("stdio-floor"), mode="legacy"),
        ),
    }


async def main(calls: int, rounds: int, as_json: bool) -> None:
    results: dict[str, dict[str, list[float]]] = {}
    async with AsyncExitStack() as stack:
        url = await http_server(stack)
        for _ in range(rounds):
            baseline = await in_process(calls)
            for label, (ours, floor) in clients(url).items():
                async with ours as client:
                    mcp = await timed_calls(client, calls)
                async with floor as client:
                    bare = await timed_calls(client, calls)
                got = results.setdefault(label, {"mcp": [], "run": [], "floor": []})
                got["mcp"].append(mcp)
                got["run"].append(baseline)
                got["floor"].append(bare)
    if as_json:
        print(json.dumps(results, indent=2))
        return
    for label, got in results.items():
        mcp_ms = statistics.median(got["mcp"]) * 1e3
        run_ms = statistics.median(got["run"]) * 1e3
        floor_ms = statistics.median(got["floor"]) * 1e3
        print(row(f"MCP call, {label}", mcp_ms, run_ms, "ms", "raw = team.run()"))
        overheads = ", ".join(
            f"{(m - r) * 1e3:.2f}" for m, r in zip(got["mcp"], got["run"], strict=True)
        )
        print(f"{'':44} overhead {mcp_ms - run_ms:.2f} ms (rounds: {overheads}; target < 5 ms)")
        print(f"{'':44} bare mcp server, same client: {floor_ms:.2f} ms a call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    anyio.run(main, args.calls, args.rounds, args.json, backend="asyncio")
