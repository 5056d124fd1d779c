"""The MCP server in process (the ``mcp`` package's own client): tools, calls, progress, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

import kaizen_actors as ka
from kaizen_actors.mcp_server import TeamServer

from .teams import broken, debate, slow, solo

pytestmark = pytest.mark.anyio

QUESTION = {"question": "Is 1009 a prime number?"}


@pytest.fixture
async def server() -> AsyncIterator[TeamServer]:
    mcp = TeamServer({"solo": solo(), "broken": broken(), "debate": debate()})
    async with mcp.running():
        yield mcp


@pytest.fixture(params=["auto", "legacy"])
async def client(server: TeamServer, request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    async with Client(server.server, mode=request.param) as connected:
        yield connected


class Progress:
    """A progress callback that keeps what it got."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, message))


async def test_each_team_is_a_tool_named_after_it_with_its_schemas(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert list(tools) == ["solo", "broken", "debate"]
    solo_tool = tools["solo"]
    assert solo_tool.input_schema == {
        "type": "object",
        "properties": {"question": {"type": "string", "description": "the question to answer"}},
        "required": ["question"],
        "additionalProperties": False,
    }
    assert solo_tool.output_schema == {
        "type": "object",
        "properties": {"answer": {"type": "string", "description": "the answer, one sentence"}},
        "required": ["answer"],
    }
    assert solo_tool.description == "Runs the agent 'solo'.\n\nAnswer the question in one sentence."
    assert tools["debate"].output_schema is not None
    assert set(tools["debate"].output_schema["properties"]) == {"answer", "reasoning"}


async def test_a_call_answers_structured_content_and_its_json_as_text(client: Client) -> None:
    result = await client.call_tool("solo", QUESTION)
    assert not result.is_error
    assert result.structured_content == {"answer": "Yes, 1009 is prime."}
    (text,) = result.content
    assert text.type == "text" and json.loads(text.text) == result.structured_content


async def test_tokens_stream_as_progress_named_by_agent(client: Client) -> None:
    progress = Progress()
    result = await client.call_tool("debate", QUESTION, progress_callback=progress)
    assert result.structured_content is not None and result.structured_content["answer"] == "yes"
    counts = [p for p, _ in progress.seen]
    assert counts == list(range(1, len(counts) + 1)) and len(counts) > 20
    agents = {message.split(": ", 1)[0] for _, message in progress.seen if message}
    assert agents == {"euler", "bob", "gauss"}
    assert progress.seen[0][1] == "euler: yes"


async def test_progress_is_sent_only_for_a_progress_token(server: TeamServer) -> None:
    seen: list[Any] = []

    async def handler(message: Any) -> None:  # notifications no callback took
        seen.append(message)

    async with Client(server.server, mode="legacy", message_handler=handler) as client:
        await client.call_tool("solo", QUESTION)
        assert seen == []
        await client.call_tool("solo", QUESTION, meta={"progressToken": "mine"})
    assert [type(m).__name__ for m in seen] == ["ProgressNotification"] * 4  # a token a word
    assert [m.params.progress_token for m in seen] == ["mine"] * 4
    assert seen[-1].params.message == "solo:  prime."


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"questoin": "?"}, "unknown input field 'questoin'"),
        ({}, "missing input field 'question'"),
        ({"question": 12}, "input field 'question' expects str"),
    ],
)
async def test_bad_arguments_are_an_error_result_with_the_signature_error(
    client: Client, server: TeamServer, arguments: dict[str, Any], words: str
) -> None:
    with pytest.raises(ka.SignatureError) as raised:
        server.teams["solo"].validate(arguments)
    result = await client.call_tool("solo", arguments)
    assert result.is_error and result.structured_content is None
    assert result.content[0].text == f"SignatureError: {raised.value}"
    assert words in result.content[0].text
    again = await client.call_tool("solo", QUESTION)  # still serving
    assert again.structured_content == {"answer": "Yes, 1009 is prime."}


async def test_a_failed_run_is_an_error_result_with_its_error(client: Client) -> None:
    result = await client.call_tool("broken", QUESTION)
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("run error: ") and "ScriptExhausted" in text
    assert (await client.call_tool("solo", QUESTION)).structured_content is not None


async def test_an_unknown_tool_is_a_protocol_error(client: Client) -> None:
    with pytest.raises(MCPError, match="Unknown tool: 'nobody' \\(tools: solo, broken, debate\\)"):
        await client.call_tool("nobody", QUESTION)
    assert (await client.call_tool("solo", QUESTION)).structured_content is not None


async def test_calls_run_at_once() -> None:
    mcp = TeamServer({"solo": solo(delay=0.01), "debate": debate()})
    async with mcp.running(), Client(mcp.server) as client:
        results: list[Any] = []

        async def call(name: str) -> None:
            results.append(await client.call_tool(name, QUESTION))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for name in ["solo", "debate"] * 3:
                    tg.start_soon(call, name)
    assert len(results) == 6 and not any(r.is_error for r in results)


async def test_running_enters_only_the_teams_not_running_and_leaves_only_those() -> None:
    mine, theirs = ka.team(solo(), pattern=ka.Solo(), name="mine"), debate()
    mcp = TeamServer({"mine": mine, "theirs": theirs})
    async with theirs:
        async with mcp.running():
            assert mine.running and theirs.running
        assert not mine.running and theirs.running


async def test_a_team_that_stopped_answers_an_error_result() -> None:
    mcp = TeamServer({"solo": solo()})  # never entered
    async with Client(mcp.server) as client:
        result = await client.call_tool("solo", QUESTION)
    assert result.is_error and result.content[0].text.startswith("SystemStopped: ")


async def test_a_cancelled_call_stops_its_run() -> None:
    team = ka.team(slow(), pattern=ka.Solo(), name="slow")
    mcp = TeamServer({"slow": team})
    async with mcp.running(), Client(mcp.server) as client:
        streaming = anyio.Event()

        async def progress(progress: float, total: float | None, message: str | None) -> None:
            streaming.set()

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.call_tool, "slow", {"question": "a long one"}, None, progress)
                await streaming.wait()
                assert team.active_runs == 1
                tg.cancel_scope.cancel()
            while team.active_runs:
                await anyio.sleep(0.01)
        short = await client.call_tool("slow", {"question": "a short one"})
        assert short.structured_content == {"answer": "A short answer."}


async def test_a_team_of_an_agent_served_elsewhere_is_described_once_learnt() -> None:
    hub = ka.MemoryHub()
    async with ka.ActorSystem("far", ka.MemoryTransport(hub, wire=True)) as host:
        await host.spawn(solo().factory(), name="solo")
        remote = ka.team(
            "solo",
            pattern=ka.Solo(),
            name="remote",
            transport=ka.MemoryTransport(hub, wire=True),
            namespace="far",
        )
        mcp = TeamServer({"remote": remote})
        async with mcp.running(), Client(mcp.server) as client:
            (tool,) = (await client.list_tools()).tools  # the agent is asked for its fields
            assert tool.input_schema["properties"] == {
                "question": {"type": "string", "description": "the question to answer"}
            }
            assert tool.output_schema is not None and tool.output_schema["required"] == ["answer"]
            result = await client.call_tool("remote", QUESTION)
            assert result.structured_content == {"answer": "Yes, 1009 is prime."}
            bad = await client.call_tool("remote", {"nonsense": 1})
            assert bad.is_error and "unknown input field 'nonsense'" in bad.content[0].text
