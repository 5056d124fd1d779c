"""The MCP pool: one server process per spec for every agent of an ActorSystem
(real processes: ``mcp_servers/calc.py`` and ``mcp_servers/notes.py``)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, AgentTask, MCPPool, MCPServer, ScriptedModel, ToolCall

from .procs import children

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SERVERS = Path(__file__).parent / "mcp_servers"
CALC = str(SERVERS / "calc.py")
NOTES = str(SERVERS / "notes.py")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def tool_results(model: ScriptedModel) -> list[str]:
    return [m["content"] for call in model.calls for m in call if m["role"] == "tool"]


def offered(model: ScriptedModel, call: int) -> set[str]:
    return {t["function"]["name"] for t in model.offered_tools[call] or []}


async def ask(ref: Any, question: str = "q") -> Any:
    return await ref.ask(AgentTask(inputs={"question": question}), timeout=30)


async def test_the_agents_of_a_system_share_one_server_process() -> None:
    models = [ScriptedModel([ToolCall("pid"), "done"]) for _ in range(3)]
    agents = [
        Agent(
            f"a{i}",
            signature="question -> answer",
            model=m,
            tools=[MCPServer(sys.executable, [CALC])],
        )
        for i, m in enumerate(models)
    ]
    async with ka.ActorSystem("pool") as system:
        refs = [await agent.spawn(system) for agent in agents]
        async with anyio.create_task_group() as tg:  # three turns at once, calls concurrent
            for ref in refs:
                tg.start_soon(ask, ref)
        pids = {int(r) for m in models for r in tool_results(m)}
        assert len(pids) == 1
        assert children(CALC) == sorted(pids)
        pool = MCPPool.of(system)
        assert len(pool) == 1 and pool.restarts == 0
    assert children(CALC) == []
    assert all(gone(pid) for pid in pids)


async def test_servers_with_the_same_command_args_env_and_cwd_are_one() -> None:
    plain = MCPServer(sys.executable, [CALC])
    renamed = MCPServer(sys.executable, [CALC], env={}, name="calc2", timeout=5)
    other_env = MCPServer(sys.executable, [CALC], env={"MODE": "x"})
    assert plain.key == renamed.key != other_env.key
    assert MCPServer(url="http://h/mcp").key == MCPServer(url="http://h/mcp", name="x").key
    pool = MCPPool()
    try:
        first, second = await pool.connect(plain), await pool.connect(renamed)
        assert first is second
        assert (await pool.connect(other_env)) is not first
        assert len(pool) == 2 and len(children(CALC)) == 2
    finally:
        await pool.aclose()
    assert children(CALC) == []
    with pytest.raises(ka.ToolError, match="pool was closed"):
        await pool.connect(plain)


async def test_a_dead_server_fails_the_call_in_flight_then_restarts_and_is_counted() -> None:
    model = ScriptedModel(
        [ToolCall("pid"), "one", ToolCall("pid"), "two", ToolCall("pid"), "three"]
    )
    agent = Agent(
        "calc",
        signature="question -> answer",
        model=model,
        tools=[MCPServer(sys.executable, [CALC])],
    )
    async with ka.ActorSystem("restarts") as system:
        ref = await agent.spawn(system)
        await ask(ref)
        old_pid = int(tool_results(model)[0])
        os.kill(old_pid, signal.SIGKILL)
        second = await ask(ref)  # the call fails: the model is told, the turn goes on
        assert second.output == {"answer": "two"}
        assert "exited" in tool_results(model)[-1]
        await ask(ref)  # the next turn starts the server again
        new_pid = int(tool_results(model)[-1])
        pool = MCPPool.of(system)
        assert new_pid != old_pid and pool.restarts == 1
        assert gone(old_pid) and children(CALC) == [new_pid]
    assert gone(new_pid)


async def test_a_changed_tool_list_reaches_every_agent_of_the_pool() -> None:
    notes = MCPServer(sys.executable, [NOTES])
    teacher = ScriptedModel([ToolCall("learn", {"name": "recall"}), "learned"])
    student = ScriptedModel([ToolCall("recall"), "recalled"])
    async with ka.ActorSystem("changes") as system:
        teacher_ref = await Agent(
            "teacher", signature="question -> answer", model=teacher, tools=[notes]
        ).spawn(system)
        student_ref = await Agent(
            "student", signature="question -> answer", model=student, tools=[notes]
        ).spawn(system)
        await ask(teacher_ref)
        assert offered(teacher, 0) == {"search", "learn"}
        pool = MCPPool.of(system)
        with anyio.fail_after(10):  # the server's notification, then the new list, arrive
            while "recall" not in {t.name for t in pool.listed(notes) or ()}:
                await anyio.sleep(0.01)
        await ask(student_ref)
        assert offered(student, 0) == {"search", "learn", "recall"}
        assert tool_results(student) == ["recall learned"]
        assert len(children(NOTES)) == 1


async def test_a_cancelled_turn_cancels_its_call_and_the_shared_server_keeps_serving(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    blocked = ScriptedModel([ToolCall("block", {"fifo": str(fifo)}), ToolCall("pid"), "done"])
    other = ScriptedModel([ToolCall("pid"), "done"])
    calc = MCPServer(sys.executable, [CALC])
    async with ka.ActorSystem("cancel") as system:
        refs = [
            await Agent(name, signature="question -> answer", model=model, tools=[calc]).spawn(
                system
            )
            for name, model in (("blocked", blocked), ("other", other))
        ]
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask, refs[0])
            with anyio.fail_after(30):  # the read returns once the call is in flight
                pid = int(await anyio.to_thread.run_sync(fifo.read_text, abandon_on_cancel=True))
            tg.cancel_scope.cancel()
        with anyio.fail_after(30):  # the cancelled turn let go of its actor and of the server
            await ask(refs[0])
            await ask(refs[1])
        assert tool_results(blocked) == [str(pid)]  # the same process, still serving
        assert tool_results(other) == [str(pid)]
        assert MCPPool.of(system).restarts == 0
    assert gone(pid)
