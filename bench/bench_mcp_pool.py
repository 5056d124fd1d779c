"""Ten agents using one MCP server: the system's pool (one process) against one process per agent.

Run: python bench/bench_mcp_pool.py [--agents 10] [--rounds 3] [--server calc|everything]

- pooled: ten agent actors in one ``ActorSystem`` each run a turn at once;
  the system's ``MCPPool`` starts the server once and every agent gets its
  tool list from that one session;
- one process per agent: the same ten agents run standalone (``agent.run()``),
  each starting its own server process, as they did before the pool (and as
  kailash-kaizen does, about 3 s per server there).

Reported: the time until all ten have their tool list (their turns done; the
model is scripted and instant), and the memory of the server processes (the
sum of their ``VmRSS`` from ``/proc/<pid>/status``), medians over the rounds.
``--server everything`` uses the npm ``server-everything`` (after
``npm ci --prefix tests/agents/mcp_js``); the default is the Python
``tests/agents/mcp_servers/calc.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from functools import partial
from pathlib import Path

import anyio
import anyio.to_thread

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._util import median, row
from kaizen_actors import ActorSystem
from kaizen_actors.agents import Agent, AgentTask, MCPServer, ScriptedModel
from kaizen_actors.agents.tools._mcp import import_mcp

ROOT = Path(__file__).resolve().parents[1]
CALC = ROOT / "tests" / "agents" / "mcp_servers" / "calc.py"
EVERYTHING = (
    ROOT / "tests/agents/mcp_js/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
)


def server_spec(kind: str) -> tuple[MCPServer, str]:
    """The server to use, and the text that marks its processes' command lines."""
    if kind == "calc":
        return MCPServer(sys.executable, [str(CALC)]), str(CALC)
    node = shutil.which("node")
    if node is None or not EVERYTHING.exists():
        sys.exit("--server everything needs node and: npm ci --prefix tests/agents/mcp_js")
    return MCPServer(node, [str(EVERYTHING), "stdio"]), str(EVERYTHING)


def servers(marker: str) -> list[int]:
    """This process's live children whose command line contains ``marker``."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if ppid == me and state != "Z" and marker in cmdline:
            found.append(int(entry.name))
    return found


def rss_mib(pids: list[int]) -> float:
    """The sum of the processes' resident set sizes, in MiB."""
    total_kib = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def make_agents(count: int, server: MCPServer) -> list[Agent]:
    return [
        Agent(
            f"a{i}",
            signature="q -> answer",
            model=ScriptedModel(respond=lambda m: "ok"),
            tools=[server],
        )
        for i in range(count)
    ]


async def pooled(count: int, server: MCPServer, marker: str) -> tuple[float, float, int]:
    agents = make_agents(count, server)
    for agent in agents:
        await agent.prepare()
    async with ActorSystem("bench-pool") as system:
        refs = [await agent.spawn(system) for agent in agents]
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for ref in refs:
                tg.start_soon(partial(ref.ask, AgentTask(inputs={"q": "?"}), timeout=120))
        elapsed = time.perf_counter() - start
        pids = await anyio.to_thread.run_sync(servers, marker)
        memory = await anyio.to_thread.run_sync(rss_mib, pids)
    return elapsed, memory, len(pids)


async def per_agent(count: int, server: MCPServer, marker: str) -> tuple[float, float, int]:
    agents = make_agents(count, server)
    for agent in agents:
        await agent.prepare()
    try:
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for agent in agents:
                tg.start_soon(partial(agent.run, q="?"))
        elapsed = time.perf_counter() - start
        pids = await anyio.to_thread.run_sync(servers, marker)
        memory = await anyio.to_thread.run_sync(rss_mib, pids)
    finally:
        with anyio.CancelScope(shield=True):
            for agent in agents:
                await agent.aclose()
    return elapsed, memory, len(pids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=["calc", "everything"], default="calc")
    options = parser.parse_args()
    server, marker = server_spec(options.server)

    async def run() -> tuple[list[tuple[float, float, int]], list[tuple[float, float, int]]]:
        await anyio.to_thread.run_sync(import_mcp)  # the first import is no one's start-up
        ours, theirs = [], []
        for _ in range(options.rounds):
            ours.append(await pooled(options.agents, server, marker))
            theirs.append(await per_agent(options.agents, server, marker))
        return ours, theirs

    ours, theirs = anyio.run(run, backend="asyncio")
    n = options.agents
    print(f"{n} agents, server {server.describe()}, median of {options.rounds} rounds")
    print(f"server processes: pooled {ours[0][2]}, one per agent {theirs[0][2]}")
    print(
        row(
            f"{n} agents have their tools (ms)",
            median([o[0] for o in ours]) * 1e3,
            median([t[0] for t in theirs]) * 1e3,
            "ms",
            "raw = one process per agent",
        )
    )
    print(
        row(
            "server memory, sum of RSS (MiB)",
            median([o[1] for o in ours]),
            median([t[1] for t in theirs]),
            "MiB",
            "raw = one process per agent",
        )
    )


if __name__ == "__main__":
    main()
