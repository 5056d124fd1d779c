"""A2A benchmark (BENCHMARKS.md, "Web"): the cost of calling a served team through A2A.

Run: ``.venv/bin/python bench/bench_a2a.py [--calls 300] [--rounds 3] [--json]``

One agent (``question -> answer``, a ``ScriptedModel`` replying 13 words with
no delay) is served by ``create_app`` under uvicorn in a process of its own
on 127.0.0.1 (this file, ``--serve``), so the client here has the other core.
Ours: ``a2a-sdk``'s Python client, non-streaming (JSON-RPC ``SendMessage``,
answered once the task completed), one call after another; and the same
call as a bare JSON-RPC POST with httpx (no A2A client). Raw: the same
agent's ``team.run()`` in this process. Per round, the median of ``--calls``
calls each; the overhead is the difference. Target: under 5 ms per call.

``a2a-sdk`` traces its own calls with OpenTelemetry whenever the API is
installed (``mcp`` brings it) unless ``OTEL_INSTRUMENTATION_A2A_SDK_ENABLED``
is ``false``; ``--no-sdk-tracing`` sets that for client and server.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import row  # type: ignore[import-not-found]

from kaizen_actors.agents import Agent, ScriptedModel
from kaizen_actors.coordination import Solo, team

REPLY = "Yes, 1009 is prime: no prime up to 31 divides it evenly at all."  # 13 words
QUESTION = "Is 1009 prime?"


def echo() -> Agent:
    return Agent("echo", "question -> answer", ScriptedModel(respond=lambda m: REPLY))


def serve(port: int) -> None:
    """The server: the agent served by ``create_app`` under uvicorn (``--serve``)."""
    import uvicorn

    from kaizen_actors.web import create_app

    uvicorn.run(create_app(echo()), port=port, log_level="warning", access_log=False, lifespan="on")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        with anyio.fail_after(60):
            while True:
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await anyio.sleep(0.1)


async def through_a2a(url: str, calls: int) -> list[float]:
    """Seconds per call of ``a2a-sdk``'s client (the task completed, its output included)."""
    from a2a.client import ClientConfig, ClientFactory
    from a2a.types import Message, Part, Role, SendMessageRequest, TaskState

    samples = []
    async with httpx.AsyncClient(timeout=30) as http:
        config = ClientConfig(streaming=False, httpx_client=http)
        client = await ClientFactory(config).create_from_url(url)
        for i in range(calls):
            message = Message(message_id=f"m{i}", role=Role.ROLE_USER, parts=[Part(text=QUESTION)])
            request = SendMessageRequest(message=message)
            started = time.perf_counter()
            async for response in client.send_message(request):
                task = response.task
            samples.append(time.perf_counter() - started)
            assert task.status.state == TaskState.TASK_STATE_COMPLETED, task.status
            assert task.artifacts[-1].artifact_id == "output"
    return samples


async def through_json_rpc(url: str, calls: int) -> list[float]:
    """Seconds per ``SendMessage`` posted as bare JSON-RPC with httpx (no A2A client)."""
    samples = []
    async with httpx.AsyncClient(timeout=30, headers={"A2A-Version": "1.0"}) as http:
        for i in range(calls):
            message = {"messageId": f"j{i}", "role": "ROLE_USER", "parts": [{"text": QUESTION}]}
            body = {
                "jsonrpc": "2.0",
                "id": i,
                "method": "SendMessage",
                "params": {"message": message},
            }
            started = time.perf_counter()
            response = await http.post(f"{url}/a2a", json=body)
            samples.append(time.perf_counter() - started)
            task = response.json()["result"]["task"]
            assert task["status"]["state"] == "TASK_STATE_COMPLETED", task["status"]
    return samples


async def in_process(calls: int) -> list[float]:
    """Seconds per ``team.run()`` of the same agent in this process."""
    samples = []
    async with team(echo(), pattern=Solo()) as solo:
        for _ in range(calls):
            started = time.perf_counter()
            result = await solo.run(question=QUESTION)
            samples.append(time.perf_counter() - started)
            assert result.output["answer"] == REPLY
    return samples


async def measure(url: str, calls: int, rounds: int) -> dict[str, list[float]]:
    """Per round, the median seconds per call of each way, rounds alternating."""
    ways = {"client": through_a2a, "json_rpc": through_json_rpc}
    medians: dict[str, list[float]] = {name: [] for name in (*ways, "team_run")}
    await ready(url)
    for way in ways.values():
        await way(url, 20)  # warm-up: the server's first run loads kailash
    await in_process(20)
    for _ in range(rounds):
        for name, way in ways.items():
            medians[name].append(statistics.median(await way(url, calls)))
        medians["team_run"].append(statistics.median(await in_process(calls)))
    return medians


def main(calls: int, rounds: int, as_json: bool, sdk_tracing: bool) -> None:
    if not sdk_tracing:  # read when a2a is imported, here and by the server
        os.environ["OTEL_INSTRUMENTATION_A2A_SDK_ENABLED"] = "false"
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        medians = anyio.run(measure, f"http://127.0.0.1:{port}", calls, rounds)
    finally:
        server.terminate()
        server.wait(20)
    ms = {name: statistics.median(values) * 1e3 for name, values in medians.items()}
    if as_json:
        print(json.dumps({"sdk_tracing": sdk_tracing, "ms": ms, "rounds": medians}, indent=2))
        return
    raw = ms["team_run"]
    tracing = "on" if sdk_tracing else "off"
    print(f"a2a-sdk's tracing {tracing}; medians of {calls} calls, median of {rounds} rounds")
    print(row("A2A SendMessage (a2a-sdk client), ms/call", ms["client"], raw, "ms", "vs team.run"))
    print(row("A2A SendMessage (bare JSON-RPC), ms/call", ms["json_rpc"], raw, "ms", "vs team.run"))
    for label, name in (("a2a-sdk client", "client"), ("bare JSON-RPC", "json_rpc")):
        overhead = f"{ms[name] - raw:8.2f} ms  (target < 5 ms)"
        print(f"{'A2A overhead per call, ' + label:<44} {overhead}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-sdk-tracing",
        action="store_true",
        help="set OTEL_INSTRUMENTATION_A2A_SDK_ENABLED=false (a2a-sdk's own switch)",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        main(args.calls, args.rounds, args.json, not args.no_sdk_tracing)
