"""Agent tools: MCP servers (real processes, ``mcp_servers/calc.py``) and async functions."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import (
    Agent,
    AgentTask,
    FunctionTool,
    MCPServer,
    ScriptedModel,
    Toolbox,
    ToolCall,
)
from kaizen_actors.agents.models._litellm import ToolCallAssembler

pytestmark = pytest.mark.anyio

CALC = str(Path(__file__).parent / "mcp_servers" / "calc.py")


def calc(*args: str, **options: Any) -> MCPServer:
    return MCPServer(sys.executable, [CALC, *args], **options)


def tool_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["role"] == "tool"]


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.slow
async def test_an_mcp_tool_result_reaches_the_model_and_the_answer_uses_it() -> None:
    model = ScriptedModel([ToolCall("add", {"a": 2, "b": 3}), "The sum is 5."])
    async with Agent("calc", signature="question -> answer", model=model, tools=[calc()]) as agent:
        result = await agent.run(question="What is 2 + 3?")
    assert result.output.answer == "The sum is 5."
    offered = {t["function"]["name"]: t["function"] for t in model.offered_tools[0] or []}
    assert offered["add"]["description"] == "Add two integers."
    assert offered["add"]["parameters"]["required"] == ["a", "b"]
    asked, answer = model.calls[1][-2:]
    assert asked["tool_calls"][0]["function"] == {"name": "add", "arguments": '{"a": 2, "b": 3}'}
    assert answer == {"role": "tool", "tool_call_id": "call_1", "content": "5"}
    assert result.usage.calls == 2
    assert result.tool_calls[0].result == "5"
    assert result.tool_calls[0].error is None


@pytest.mark.slow
async def test_a_failing_mcp_tool_shows_its_error_to_the_model() -> None:
    model = ScriptedModel([{"tool": "fail", "arguments": {"reason": "disk full"}}, "It failed."])
    async with Agent("calc", signature="question -> answer", model=model, tools=[calc()]) as agent:
        result = await agent.run(question="Try it.")
    (shown,) = tool_messages(model.calls[1])
    assert "fail: disk full" in shown["content"]
    assert result.tool_calls[0].error == shown["content"]
    assert result.output.answer == "It failed."


@pytest.mark.slow
async def test_an_unstartable_server_raises_tool_error_with_command_and_stderr() -> None:
    server = calc("--crash", env={"API_KEY": "sk-very-secret-value"})
    agent = Agent("calc", signature="question -> answer", model=ScriptedModel(), tools=[server])
    with pytest.raises(ka.ToolError) as caught:
        await agent.run(question="q")
    message = str(caught.value)
    assert "calc.py --crash" in message
    assert "API_TOKEN is missing" in message
    assert "sk-very-secret-value" not in message
    assert "sk-very-secret-value" not in repr(server)


async def test_a_missing_command_raises_tool_error() -> None:
    server = MCPServer("/nonexistent/mcp-server", ["--stdio"])
    agent = Agent("a", signature="question -> answer", model=ScriptedModel(), tools=[server])
    with pytest.raises(ka.ToolError, match=r"/nonexistent/mcp-server --stdio\) cannot start"):
        await agent.run(question="q")


@pytest.mark.slow
async def test_the_server_is_listed_once_and_gone_after_the_agent_closes() -> None:
    model = ScriptedModel([ToolCall("pid"), "one", ToolCall("pid"), "two"])
    agent = Agent("calc", signature="question -> answer", model=model, tools=[calc()])
    first = await agent.run(question="q")
    second = await agent.run(question="q")
    pid = int(first.tool_calls[0].result)
    assert int(second.tool_calls[0].result) == pid  # the same process served both turns
    os.kill(pid, 0)
    await agent.aclose()
    assert_gone(pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
async def test_a_toolbox_used_from_a_new_loop_closes_the_old_loops_servers() -> None:
    toolbox = Toolbox([calc()], owner="t")
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:

        async def first_pid() -> int:
            await toolbox.specs()
            result = await toolbox.call(ToolCall("pid"))
            return int(result.result)

        future = asyncio.run_coroutine_threadsafe(first_pid(), other)
        old_pid = await anyio.to_thread.run_sync(future.result, 30)
        assert alive(old_pid)
        await toolbox.specs()  # this loop: a fresh session, the other loop's one is closed
        new_pid = int((await toolbox.call(ToolCall("pid"))).result)
        assert new_pid != old_pid
        with anyio.fail_after(10):
            while alive(old_pid):
                await anyio.sleep(0.05)
        await toolbox.aclose()
        assert_gone(new_pid)
    finally:
        other.call_soon_threadsafe(other.stop)
        await anyio.to_thread.run_sync(thread.join, 10)
        other.close()


@pytest.mark.slow
async def test_a_server_that_dies_is_reported_to_the_model_then_started_again() -> None:
    toolbox = Toolbox([calc()], owner="t")
    try:
        await toolbox.specs()
        old_pid = int((await toolbox.call(ToolCall("pid"))).result)
        os.kill(old_pid, signal.SIGKILL)
        with anyio.fail_after(10):  # the call in flight when the pipe closes fails too
            failed = await toolbox.call(ToolCall("pid"))
        assert failed.error is not None and "exited" in failed.error
        again = await toolbox.call(ToolCall("add", {"a": 2, "b": 3}))
        assert again.error is None and again.result == "5"
        new_pid = int((await toolbox.call(ToolCall("pid"))).result)
        assert new_pid != old_pid
        assert_gone(old_pid)  # the lost session was closed and its process reaped
    finally:
        await toolbox.aclose()
    assert_gone(new_pid)


@pytest.mark.slow
async def test_an_agent_actor_stops_its_server_when_its_system_shuts_down() -> None:
    model = ScriptedModel([ToolCall("pid"), "done"])
    agent = Agent("calc", signature="question -> answer", model=model, tools=[calc()])
    async with ka.ActorSystem("tools") as system:
        ref = await agent.spawn(system)
        reply = await ref.ask(AgentTask(inputs={"question": "q"}), timeout=30)
        (shown,) = tool_messages(model.calls[1])
        pid = int(shown["content"])
        os.kill(pid, 0)
    assert reply.output == {"answer": "done"}
    assert_gone(pid)


@pytest.mark.slow
async def test_cancelling_a_turn_cancels_its_tool_call_and_aclose_stops_the_server(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    model = ScriptedModel([ToolCall("block", {"fifo": str(fifo)})])
    agent = Agent("calc", signature="question -> answer", model=model, tools=[calc()])
    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(agent.run, question="q"))
        with anyio.fail_after(30):  # the read returns once the call is in flight
            pid = int(await anyio.to_thread.run_sync(fifo.read_text, abandon_on_cancel=True))
        tg.cancel_scope.cancel()
    assert len(model.calls) == 1
    os.kill(pid, 0)
    await agent.aclose()
    assert_gone(pid)


async def test_a_plain_async_function_is_a_tool() -> None:
    async def forecast(city: str, days: int = 1) -> dict[str, Any]:
        """The weather forecast for ``city``."""
        return {"city": city, "days": days, "sky": "clear"}

    model = ScriptedModel([ToolCall("forecast", {"city": "Oslo", "days": 2}), "Clear skies."])
    agent = Agent("weather", signature="question -> answer", model=model, tools=[forecast])
    result = await agent.run(question="Weather in Oslo?")
    spec = (model.offered_tools[0] or [])[0]["function"]
    assert spec["name"] == "forecast"
    assert spec["description"] == "The weather forecast for ``city``."
    assert spec["parameters"]["required"] == ["city"]
    assert spec["parameters"]["properties"]["days"]["type"] == "integer"
    (shown,) = tool_messages(model.calls[1])
    assert json.loads(shown["content"]) == {"city": "Oslo", "days": 2, "sky": "clear"}
    assert result.output.answer == "Clear skies."


async def test_function_tool_errors_and_bad_arguments_reach_the_model() -> None:
    async def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    model = ScriptedModel(
        [[ToolCall("divide", {"a": 1, "b": 0}), ToolCall("divide", {"a": "x"})], "Cannot."]
    )
    agent = Agent("calc", signature="question -> answer", model=model, tools=[divide])
    result = await agent.run(question="1/0?")
    zero, bad = tool_messages(model.calls[1])
    assert zero["content"] == "ZeroDivisionError: float division by zero"
    assert (
        "invalid arguments for divide" in bad["content"] and "b: Field required" in bad["content"]
    )
    assert [r.error is not None for r in result.tool_calls] == [True, True]


async def test_an_unknown_tool_name_is_an_error_result() -> None:
    async def ping() -> str:
        return "pong"

    model = ScriptedModel([ToolCall("pnig"), "ok"])
    result = await Agent("a", signature="q -> answer", model=model, tools=[ping]).run(q="?")
    assert result.tool_calls[0].error == "unknown tool 'pnig' (tools: ping)"


async def test_several_tool_calls_of_one_reply_run_concurrently() -> None:
    a_started, b_started = anyio.Event(), anyio.Event()

    async def left() -> str:
        a_started.set()
        await b_started.wait()
        return "L"

    async def right() -> str:
        b_started.set()
        await a_started.wait()
        return "R"

    model = ScriptedModel([[ToolCall("left"), ToolCall("right")], "LR"])
    agent = Agent("a", signature="q -> answer", model=model, tools=[left, right])
    with anyio.fail_after(5):  # one after the other, they would wait forever
        result = await agent.run(q="?")
    assert [r.result for r in result.tool_calls] == ["L", "R"]
    assert [m["tool_call_id"] for m in tool_messages(model.calls[1])] == ["call_1", "call_2"]


async def test_more_tool_calls_than_max_tool_calls_fail_the_turn() -> None:
    async def ping() -> str:
        return "pong"

    model = ScriptedModel(respond=lambda messages: ToolCall("ping"))
    agent = Agent("a", signature="q -> answer", model=model, tools=[ping], max_tool_calls=3)
    with pytest.raises(ka.ToolError, match=r"more than 3 tool calls in one turn"):
        await agent.run(q="?")
    assert len(model.calls) == 4


async def test_a_retry_after_a_bad_reply_keeps_the_tool_exchange() -> None:
    async def ping() -> str:
        return "pong"

    model = ScriptedModel([ToolCall("ping"), "not json", '{"answer": "pong", "n": 1}'])
    agent = Agent("a", signature="q -> answer, n: int", model=model, tools=[ping])
    result = await agent.run(q="?")
    assert result.output.n == 1
    roles = [m["role"] for m in model.calls[2]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert result.usage.calls == 3
    assert result.attempts == 2


async def test_stream_runs_the_tool_loop() -> None:
    async def ping() -> str:
        return "pong"

    model = ScriptedModel([ToolCall("ping"), "got pong"])
    agent = Agent("a", signature="q -> answer", model=model, tools=[ping])
    async with agent.stream(q="?") as events:
        seen = [e async for e in events]
    kinds = [type(e).__name__ for e in seen]
    assert kinds == [
        "RunStarted",
        "AgentStarted",
        "ToolCalled",
        "Token",
        "Token",
        "AgentFinished",
        "RunFinished",
    ]
    called = seen[2]
    assert (called.tool, called.result, called.error) == ("ping", "pong", None)
    assert [e.seq for e in seen] == list(range(len(seen)))
    assert events.result is not None and events.result.tool_calls[0].result == "pong"


async def test_a_tool_call_without_tools_is_a_model_error() -> None:
    agent = Agent("a", signature="q -> answer", model=ScriptedModel([ToolCall("x")]))
    with pytest.raises(ka.ModelError, match="offers no tools"):
        await agent.run(q="?")


def test_tools_must_be_async_functions_or_mcp_servers() -> None:
    def blocking(x: int) -> int:
        return x

    with pytest.raises(ka.ConfigError, match="not an async def"):
        Agent("a", signature="q -> answer", model=ScriptedModel(), tools=[blocking])
    with pytest.raises(ka.ConfigError, match="MCPServer"):
        Agent("a", signature="q -> answer", model=ScriptedModel(), tools=[42])
    with pytest.raises(ka.ConfigError, match="command"):
        MCPServer()


def test_a_model_that_cannot_take_tools_is_refused() -> None:
    class Plain:
        name = "plain"

        async def stream(self, messages: Any, meter: Any) -> Any:
            yield "ok"

    async def ping() -> str:
        return "pong"

    with pytest.raises(ka.ConfigError, match="cannot call tools"):
        Agent("a", signature="q -> answer", model=Plain(), tools=[ping])


def test_function_tool_names_and_descriptions_can_be_set() -> None:
    async def f(x: int) -> int:
        return x

    tool = FunctionTool(f, name="double", description="Double x.")
    assert tool.spec.to_openai()["function"]["name"] == "double"
    assert tool.spec.description == "Double x."


def test_importing_the_package_does_not_import_mcp_or_pydantic() -> None:
    code = "import sys, kaizen_actors, kaizen_actors.agents; print('mcp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streamed_tool_call_fragments_are_assembled() -> None:
    # The shapes OpenAI streams: id and name first, the arguments in pieces.
    assembler = ToolCallAssembler()
    chunks = [
        [
            {
                "index": 0,
                "id": "call_a",
                "type": "function",
                "function": {"name": "add", "arguments": ""},
            }
        ],
        [{"index": 0, "function": {"arguments": '{"a": '}}],
        [
            {
                "index": 1,
                "id": "call_b",
                "type": "function",
                "function": {"name": "pid", "arguments": ""},
            }
        ],
        [{"index": 0, "function": {"arguments": "2, "}}],
        [{"index": 0, "function": {"arguments": '"b": 3}'}}],
        [{"index": 2, "id": "call_c", "function": {"name": "add", "arguments": '{"a": '}}],
    ]
    for fragments in chunks:
        assembler.feed(fragments)
    add, pid, broken = assembler.calls()
    assert add == ToolCall("add", {"a": 2, "b": 3}, id="call_a")
    assert pid == ToolCall("pid", {}, id="call_b")
    assert broken.raw_arguments == '{"a": ' and broken.arguments == {}


async def test_a_litellm_model_offers_the_tools_and_streams_the_calls_back() -> None:
    from kaizen_actors.agents import Model
    from kaizen_actors.agents.models._litellm import _import_litellm

    litellm = _import_litellm()
    calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": "add", "arguments": args}}
        for i, args in enumerate(['{"a": 2, "b": 3}', '{"a": 1, "b": 1}'])
    ]
    reply = litellm.ModelResponse(
        choices=[
            {"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": calls}}
        ]
    )
    added: list[tuple[int, int]] = []

    async def add(a: int, b: int) -> int:
        added.append((a, b))
        return a + b

    # litellm's mock answers every call alike: the loop ends at max_tool_calls.
    model = Model("openai/gpt-4o-mini", mock_response=reply)
    agent = Agent("a", signature="q -> answer", model=model, tools=[add], max_tool_calls=2)
    with pytest.raises(ka.ToolError, match="more than 2 tool calls"):
        await agent.run(q="?")
    assert added == [(2, 3), (1, 1)]
