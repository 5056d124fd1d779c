"""Capability discovery: ``Kaizen(config={"mcp_servers": ...})`` and ``mcp_capabilities``
(real processes: ``mcp_servers/calc.py`` and ``mcp_servers/notes.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import kaizen_actors as ka
from kaizen_actors.agents import AgentTask, Kaizen, MCPPool, MCPServer, ScriptedModel, ToolCall

from .procs import children

pytestmark = pytest.mark.anyio

SERVERS = Path(__file__).parent / "mcp_servers"
CALC = str(SERVERS / "calc.py")
NOTES = str(SERVERS / "notes.py")
REGISTRY = {
    "calc": {"command": sys.executable, "args": [CALC]},
    "notes": {"command": sys.executable, "args": [NOTES], "env": {"NOTES": "1"}},
}


def offered(model: ScriptedModel, call: int = 0) -> set[str]:
    return {t["function"]["name"] for t in model.offered_tools[call] or []}


def mine(marker: str = str(SERVERS)) -> list[int]:
    return children(marker)


@pytest.mark.slow
async def test_an_agent_gets_the_tools_of_the_servers_offering_its_capabilities() -> None:
    kaizen = Kaizen({"mcp_servers": REGISTRY})
    model = ScriptedModel([ToolCall("search", {"word": "restart"}), "Supervisors do."])
    agent = kaizen.create_agent("reader", {"model": model, "mcp_capabilities": ["SEARCH"]})
    assert mine() == []  # found when first needed, not at create_agent
    async with agent:
        result = await agent.run(question="Who restarts actors?")
        assert offered(model) == {"search", "learn"}  # every tool of notes, none of calc
        assert result.tool_calls[0].result == "supervisors restart actors"
        assert len(mine()) == 2  # both were listed, by this agent's own pool
    assert mine() == []


@pytest.mark.slow
async def test_agents_of_a_system_discover_through_its_pool() -> None:
    kaizen = Kaizen({"mcp_servers": REGISTRY})
    reader_model = ScriptedModel(["ok"])
    adder_model = ScriptedModel([ToolCall("add", {"a": 2, "b": 3}), "5"])
    reader = kaizen.create_agent("reader", {"model": reader_model, "mcp_capabilities": ["note"]})
    adder = kaizen.create_agent(
        "adder", {"model": adder_model, "mcp_capabilities": ["add two integers"]}
    )
    async with ka.ActorSystem("discovery") as system:
        for agent in (reader, adder):
            ref = await agent.spawn(system)
            await ref.ask(AgentTask(inputs={"question": "q"}), timeout=30)
        assert offered(reader_model) == {"search", "learn"}
        assert offered(adder_model) == {"add", "fail", "pid", "block"}
        assert len(mine()) == 2 and len(MCPPool.of(system)) == 2  # one process per server
    assert mine() == []


@pytest.mark.slow
async def test_a_capability_no_server_offers_names_the_servers_looked_at() -> None:
    registry: dict[str, Any] = {
        **REGISTRY,
        "broken": {"command": sys.executable, "args": [CALC, "--crash"]},
    }
    kaizen = Kaizen({"mcp_servers": registry})
    agent = kaizen.create_agent(
        "a", {"model": ScriptedModel(["x"]), "mcp_capabilities": ["search", "translate"]}
    )
    with pytest.raises(ka.ConfigError) as caught:
        await agent.run(question="q")
    assert caught.value.key == "mcp_capabilities"
    message = str(caught.value)
    assert "['translate']" in message
    assert "'calc', 'notes', 'broken'" in message
    assert "'broken' could not start" in message
    assert mine() == []  # the agent's own pool was closed


@pytest.mark.slow
async def test_a_server_that_cannot_start_is_skipped_when_others_cover(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = {**REGISTRY, "broken": {"command": sys.executable, "args": [CALC, "--crash"]}}
    model = ScriptedModel(["ok"])
    agent = Kaizen({"mcp_servers": registry}).create_agent(
        "a", {"model": model, "mcp_capabilities": ["search"]}
    )
    async with agent:
        await agent.run(question="q")
    assert offered(model) == {"search", "learn"}
    assert "skipped MCP server 'broken'" in caplog.text


def test_registered_servers_are_checked_and_named_by_their_keys() -> None:
    kaizen = Kaizen({"mcp_servers": {**REGISTRY, "web": {"url": "http://127.0.0.1:9/mcp"}}})
    servers = kaizen.mcp_servers()
    assert list(servers) == ["calc", "notes", "web"]
    assert isinstance(servers["web"], MCPServer) and servers["web"].url == "http://127.0.0.1:9/mcp"
    assert servers["notes"].env == {"NOTES": "1"}
    bad: list[Any] = [
        {"x": {"comand": "y"}},
        {"x": {}},
        {"x": {"command": "y", "url": "http://h"}},
        {"x": "y"},
        ["x"],
    ]
    for value in bad:
        with pytest.raises(ka.ConfigError) as caught:
            Kaizen({"mcp_servers": value})
        assert caught.value.key == "mcp_servers"
    with pytest.raises(ka.ConfigError, match=r"'x'.*unknown keys \['comand'\]"):
        Kaizen({"mcp_servers": {"x": {"comand": "y"}}})


def test_capabilities_need_registered_servers_and_words() -> None:
    with pytest.raises(ka.ConfigError, match="no MCP server is registered") as caught:
        Kaizen().create_agent("a", {"model": ScriptedModel(), "mcp_capabilities": ["search"]})
    assert caught.value.key == "mcp_capabilities"
    kaizen = Kaizen({"mcp_servers": REGISTRY})
    for bad in ("search", [""], [3]):
        with pytest.raises(ka.ConfigError) as caught:
            kaizen.create_agent("b", {"model": ScriptedModel(), "mcp_capabilities": bad})
        assert caught.value.key == "mcp_capabilities"
