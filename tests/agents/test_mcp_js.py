"""The MCP client against servers nobody here wrote (npm, ``tests/agents/mcp_js``): the
reference ``@modelcontextprotocol/server-everything`` and the TypeScript SDK's ``McpServer``.

Install them with ``npm ci --prefix tests/agents/mcp_js``; without them these
tests are skipped (and fail when the ``CI`` environment variable is set).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, AgentTask, MCPPool, MCPServer, ScriptedModel, ToolCall

from .procs import children

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

JS = Path(__file__).parent / "mcp_js"
EVERYTHING = (
    JS / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
)
GROWING = JS / "growing_server.mjs"


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None or not EVERYTHING.exists():
        missing = "node" if found is None else "the npm packages"
        if os.environ.get("CI"):
            pytest.fail(f"{missing} missing: run: npm ci --prefix tests/agents/mcp_js")
        pytest.skip("run: npm ci --prefix tests/agents/mcp_js")
    return found


def tool_results(model: ScriptedModel) -> list[str]:
    return [m["content"] for call in model.calls for m in call if m["role"] == "tool"]


async def ask(ref: Any) -> Any:
    return await ref.ask(AgentTask(inputs={"question": "q"}), timeout=60)


async def test_three_agents_call_server_everything_through_one_process(node: str) -> None:
    everything = MCPServer(node, [str(EVERYTHING), "stdio"])
    scripts: list[list[Any]] = [
        [ToolCall("echo", {"message": "hello"}), "echoed"],
        [ToolCall("add", {"a": 2, "b": 3}), "added"],
        [[ToolCall("echo", {"message": "both"}), ToolCall("add", {"a": 1.5, "b": 1})], "both"],
    ]
    models = [ScriptedModel(script) for script in scripts]
    async with ka.ActorSystem("everything") as system:
        refs = [
            await Agent(f"a{i}", signature="question -> answer", model=m, tools=[everything]).spawn(
                system
            )
            for i, m in enumerate(models)
        ]
        async with anyio.create_task_group() as tg:
            for ref in refs:
                tg.start_soon(ask, ref)
        assert len(children(str(EVERYTHING))) == 1  # one process for the three agents
        assert len(MCPPool.of(system)) == 1
    assert [tool_results(m) for m in models] == [
        ["Echo: hello"],
        ["The sum of 2 and 3 is 5."],
        ["Echo: both", "The sum of 1.5 and 1 is 2.5."],
    ]
    offered = {t["function"]["name"] for t in models[0].offered_tools[0] or []}
    assert {"echo", "add"} <= offered
    assert children(str(EVERYTHING)) == []


async def test_a_tool_list_change_sent_unasked_is_followed(node: str) -> None:
    growing = MCPServer(node, [str(GROWING)])
    model = ScriptedModel([ToolCall("grow"), "grew", ToolCall("grown"), "used it"])
    agent = Agent("grower", signature="question -> answer", model=model, tools=[growing])
    async with ka.ActorSystem("growing") as system:
        ref = await agent.spawn(system)
        await ask(ref)
        pool = MCPPool.of(system)
        with anyio.fail_after(10):  # the server's notification, then the new list, arrive
            while "grown" not in {t.name for t in pool.listed(growing) or ()}:
                await anyio.sleep(0.01)
        await ask(ref)
    assert {t["function"]["name"] for t in model.offered_tools[2] or []} == {"grow", "grown"}
    assert tool_results(model)[-1] == "grown here"
