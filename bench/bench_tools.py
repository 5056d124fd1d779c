"""Agent tool calls, beside the raw calls they wrap, in the same run.

Run: python bench/bench_tools.py [--turns 300]

- a turn whose model calls an async-function tool, vs the same turn without tools
  (the tool loop's cost: one more model call, the tool, the messages);
- a turn calling an MCP tool over stdio, vs a raw ``mcp.Client.call_tool`` to the
  same server process (the JSON-RPC round trip the turn cannot avoid).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._util import percentile, row
from kaizen_actors.agents import Agent, MCPServer, ScriptedModel, ToolCall

CALC = str(Path(__file__).resolve().parents[1] / "tests" / "agents" / "mcp_servers" / "calc.py")


async def ping() -> str:
    """Answer pong."""
    return "pong"


def timed_turns(turns: int) -> tuple[list[float], list[float], list[float]]:
    async def main() -> tuple[list[float], list[float], list[float]]:
        plain = Agent("plain", signature="q -> answer", model=ScriptedModel(respond=lambda m: "ok"))

        def calls_tool(messages: list[dict[str, str]]) -> object:
            return "ok" if messages[-1]["role"] == "tool" else ToolCall("ping")

        with_function = Agent(
            "fn", signature="q -> answer", model=ScriptedModel(respond=calls_tool), tools=[ping]
        )

        def calls_add(messages: list[dict[str, str]]) -> object:
            return "ok" if messages[-1]["role"] == "tool" else ToolCall("add", {"a": 1, "b": 2})

        server = MCPServer(sys.executable, [CALC])
        with_mcp = Agent(
            "mcp", signature="q -> answer", model=ScriptedModel(respond=calls_add), tools=[server]
        )
        results = []
        async with with_mcp:
            await with_mcp.run(q="warm-up")
            for agent in (plain, with_function, with_mcp):
                await agent.run(q="warm-up")
                samples = []
                for _ in range(turns):
                    start = time.perf_counter()
                    await agent.run(q="?")
                    samples.append(time.perf_counter() - start)
                results.append(samples)
        return results[0], results[1], results[2]

    return anyio.run(main)


def raw_mcp_calls(turns: int) -> list[float]:
    async def main() -> list[float]:
        import mcp
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(command=sys.executable, args=[CALC])
        async with mcp.Client(stdio_client(params)) as client:
            await client.call_tool("add", {"a": 1, "b": 2})
            samples = []
            for _ in range(turns):
                start = time.perf_counter()
                await client.call_tool("add", {"a": 1, "b": 2})
                samples.append(time.perf_counter() - start)
            return samples

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=300)
    turns = parser.parse_args().turns
    plain, function, through_mcp = timed_turns(turns)
    raw = raw_mcp_calls(turns)
    p50 = lambda s: percentile(s, 50) * 1e6  # noqa: E731
    print(
        row(
            "turn with a function tool call, p50 (us)",
            p50(function),
            p50(plain),
            "us",
            "raw = the same turn without tools",
        )
    )
    print(
        row(
            "turn with an MCP tool call, p50 (us)",
            p50(through_mcp),
            p50(raw),
            "us",
            "raw = mcp.Client.call_tool alone",
        )
    )
    print(f"added by the MCP tool loop beyond the raw call: {p50(through_mcp) - p50(raw):.0f} us")


if __name__ == "__main__":
    main()
