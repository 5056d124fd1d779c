"""The Kailash bridge: registered nodes, the Core SDK pattern, the shared runtime."""

from __future__ import annotations

import ast
import asyncio
import gc
import subprocess
import sys
import weakref
from typing import Any

import pytest
from kailash.nodes.base import NodeRegistry
from kailash.runtime.async_local import AsyncLocalRuntime
from kailash.runtime.local import LocalRuntime
from kailash.workflow.builder import WorkflowBuilder

import kaizen_actors as ka
import kaizen_actors.agents
from kaizen_actors.agents import Agent, KaizenLLMAgentNode, KaizenNode, ScriptedModel
from kaizen_actors.agents.kailash._runtime import MAX_CONCURRENT_NODES, shared_runtime


def test_the_nodes_are_registered_with_kailash() -> None:
    assert NodeRegistry.get("KaizenLLMAgentNode") is KaizenLLMAgentNode
    assert issubclass(KaizenLLMAgentNode, KaizenNode)


def test_agent_workflow_is_a_workflow_builder_with_the_agent_node() -> None:
    agent = Agent("solver", signature="question -> answer", model=ScriptedModel(["42"]))
    assert isinstance(agent.workflow, WorkflowBuilder)
    workflow = agent.workflow.build()
    assert list(workflow.nodes) == ["agent"]


def test_the_core_sdk_pattern_works_from_sync_code() -> None:
    model = ScriptedModel(['{"answer": "Yes", "confidence": 0.75}'])
    agent = Agent("solver", signature="question -> answer: str, confidence: float", model=model)
    with LocalRuntime(enable_monitoring=False) as runtime:
        results, _run_id = runtime.execute(
            agent.workflow.build(), parameters={"question": "Is 1009 prime?"}
        )
    assert results["agent"] == {"answer": "Yes", "confidence": 0.75}
    assert model.calls[0][-1]["content"] == "question: Is 1009 prime?"


def test_the_core_sdk_pattern_reports_bad_inputs_as_kailash_does() -> None:
    model = ScriptedModel(["x"])
    agent = Agent("solver", signature="question -> answer", model=model)
    with LocalRuntime(enable_monitoring=False) as runtime:
        results, _run_id = runtime.execute(agent.workflow.build(), parameters={"question": 5})
    # LocalRuntime records a failed node in its results instead of raising.
    assert results["agent"]["failed"]
    assert "SignatureError" in results["agent"]["error"]
    assert model.calls == []


@pytest.mark.anyio
async def test_one_shared_runtime_per_loop_sized_for_many_agents() -> None:
    runtime = shared_runtime()
    assert isinstance(runtime, AsyncLocalRuntime)
    assert runtime is shared_runtime()
    assert runtime.max_concurrent_nodes == MAX_CONCURRENT_NODES
    assert runtime.enable_analysis
    assert not runtime.execution_timeout


LOADS_OFF_THE_LOOP = """
import asyncio, sys, threading
import kaizen_actors.agents as a
threads = {}
class Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("kailash", "pydantic", "cryptography", "jwt"):
            threads.setdefault(top, threading.current_thread().name)
sys.meta_path.insert(0, Watch())
async def main():
    agents = [
        a.Agent(f"x{i}", signature="q -> a", model=a.ScriptedModel(respond=lambda m: "y"))
        for i in range(20)
    ]
    results = await asyncio.gather(*(agent.run(q="1") for agent in agents))
    assert [r.output.a for r in results] == ["y"] * 20
    assert agents[0].workflow is not None
asyncio.run(main())
print(threads)
"""


def test_an_agent_made_inside_a_running_loop_loads_kailash_in_a_worker_thread() -> None:
    # Importing kailash, and what its runtime's first run imports, takes
    # hundreds of milliseconds: none of it may happen on the loop's thread.
    out = subprocess.run(
        [sys.executable, "-c", LOADS_OFF_THE_LOOP],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    threads = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert set(threads) == {"kailash", "pydantic", "cryptography", "jwt"}
    # One thread loads them for the twenty agents' concurrent first turns.
    assert set(threads.values()) == {"kaizen-actors: import kailash"}, threads


def test_an_agent_made_from_sync_code_compiles_on_first_use_of_its_workflow() -> None:
    agent = Agent("a", signature="q -> a", model=ScriptedModel())
    assert isinstance(agent.workflow, WorkflowBuilder)
    assert agent.workflow is agent.workflow


def test_a_finished_event_loop_is_let_go() -> None:
    # The per-loop state (shared runtime, start gate, ask deadlines) is keyed
    # weakly by the loop: nothing of ours may keep a closed loop alive.
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    class Echo(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            return message

    async def main() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        agent = Agent("a", signature="q -> a", model=ScriptedModel(respond=lambda m: "x"))
        assert (await agent.run(q="1")).output.a == "x"
        async with ka.ActorSystem() as system:
            ref = await system.spawn(Echo)
            assert await ref.ask("hi", timeout=30) == "hi"

    asyncio.run(main())
    gc.collect()
    assert loops[0]() is None


@pytest.mark.anyio
async def test_concurrent_runs_get_distinct_run_ids() -> None:
    import anyio

    agent = Agent(
        "solver", signature="question -> answer", model=ScriptedModel(respond=lambda m: "a")
    )
    ids: list[str] = []

    async def one() -> None:
        ids.append((await agent.run(question="q")).run_id)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert len(set(ids)) == 20


@pytest.mark.anyio
async def test_node_errors_reach_the_caller_with_their_own_type() -> None:
    agent = Agent(
        "solver", signature="question -> answer: int", model=ScriptedModel(["x", "y", "z"])
    )
    with pytest.raises(ka.OutputParseError):
        await agent.run(question="q")


def test_kaizen_registers_custom_node_types() -> None:
    class EchoNode(KaizenNode):
        """Echoes its input."""

        async def async_run(self, **kwargs: object) -> dict[str, object]:
            return {"echo": kwargs}

    ka_framework = kaizen_actors.agents.Kaizen()
    assert ka_framework.register_node_type(EchoNode) is EchoNode
    assert NodeRegistry.get("EchoNode") is EchoNode
    with pytest.raises(TypeError):
        ka_framework.register_node_type(int)


class _ImportWatch:
    """A meta path finder that records which modules were searched for."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        self.searched.append(name)


@pytest.mark.anyio
async def test_a_new_agents_first_turn_searches_for_no_module() -> None:
    # A module search reads the disk on the event loop: Kailash's first run of
    # a node would try `import pandas` and `import numpy` for every new agent.
    await Agent("warm", signature="q -> a", model=ScriptedModel(respond=lambda m: "x")).run(q="w")
    agent = Agent("fresh", signature="q -> a", model=ScriptedModel(respond=lambda m: "x"))
    watch = _ImportWatch()
    sys.meta_path.insert(0, watch)
    try:
        await agent.run(q="first")
    finally:
        sys.meta_path.remove(watch)
    assert watch.searched == []


def test_an_agent_under_trio_says_it_needs_asyncio() -> None:
    import trio

    agent = Agent("a", signature="q -> a", model=ScriptedModel(respond=lambda m: "x"))

    async def main() -> None:
        with pytest.raises(RuntimeError, match="asyncio backend"):
            await agent.run(q="1")
        with pytest.raises(RuntimeError, match="asyncio backend"):
            async for _ in agent.stream(q="1"):
                pass

    trio.run(main)


@pytest.mark.anyio
async def test_a_workflow_run_inside_a_turn_runs_with_its_own_inputs() -> None:
    from kaizen_actors.agents.kailash._runtime import run_workflow

    inner = Agent(
        "inner",
        signature="text -> summary",
        model=ScriptedModel(respond=lambda m: m[-1]["content"]),
    )
    seen: list[str] = []

    async def summarise(text: str) -> str:
        """Summarise a text with the inner agent's workflow, run directly."""
        results = await run_workflow(inner.workflow.build(), {"text": text})
        seen.append(results["agent"]["summary"])
        return "done"

    outer = Agent(
        "outer",
        signature="question -> answer",
        model=ScriptedModel([ka.ToolCall("summarise", {"text": "hello world"}), "ok"]),
        tools=[summarise],
    )
    result = await outer.run(question="q?")
    assert result.output.answer == "ok"
    assert len(seen) == 1 and "hello world" in seen[0] and "q?" not in seen[0]
