"""``kaizen-actors mcp package.module:attr`` in a subprocess: over stdio, and with ``--http``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream
from mcp import Client, StdioServerParameters

from tests.natsserver import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MAIN = "import sys; from kaizen_actors.cli import main; sys.exit(main())"
COMMAND = [sys.executable, "-c", MAIN, "mcp"]
TARGET = "tests.mcp_server.teams:served"
QUESTION = {"question": "Is 1009 a prime number?"}


def frame(id_: int | None, method: str, params: dict[str, Any] | None = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id_ is not None:
        message["id"] = id_
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode() + b"\n"


async def test_stdout_carries_nothing_but_protocol_frames() -> None:
    init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}
    call = {"name": "debate", "arguments": QUESTION, "_meta": {"progressToken": "p"}}
    with anyio.fail_after(60):
        async with await anyio.open_process([*COMMAND, TARGET], cwd=ROOT) as process:
            assert process.stdin is not None and process.stdout is not None
            assert process.stderr is not None
            await process.stdin.send(
                frame(1, "initialize", init)
                + frame(None, "notifications/initialized")
                + frame(2, "tools/list")
                + frame(3, "tools/call", call)
            )
            lines: list[bytes] = []
            reader = BufferedByteReceiveStream(process.stdout)
            while not lines or b'"id":3' not in lines[-1]:
                lines.append(await reader.receive_until(b"\n", 1 << 20))
            await process.stdin.aclose()  # the server ends with its input
            assert await process.wait() == 0
            lines.extend(line for line in (await _rest(reader)).splitlines() if line)
            stderr = await _rest(process.stderr)
    messages = [json.loads(line) for line in lines]  # each line one JSON-RPC message
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    progress = [m for m in messages if m.get("method") == "notifications/progress"]
    assert len(progress) > 20 and progress[0]["params"]["message"] == "euler: yes"
    assert messages[-1]["result"]["structuredContent"]["answer"] == "yes"
    assert b"loading the test teams" in stderr  # the target's print went to stderr
    assert b"a warning while loading the test teams" in stderr


async def _rest(stream: Any) -> bytes:
    chunks = []
    try:
        while True:
            chunks.append(await stream.receive())
    except (anyio.EndOfStream, anyio.ClosedResourceError):
        return b"".join(chunks)


async def test_a_cancelled_call_frees_the_agent_and_the_server_goes_on() -> None:
    params = StdioServerParameters(command=COMMAND[0], args=[*COMMAND[1:], TARGET], cwd=ROOT)
    async with Client(params, mode="legacy") as client:
        assert [t.name for t in (await client.list_tools()).tools] == [
            "solo",
            "slow",
            "broken",
            "debate",
        ]
        streaming = anyio.Event()

        async def progress(progress: float, total: float | None, message: str | None) -> None:
            streaming.set()

        with anyio.fail_after(10):  # the long run alone would take 20 s
            async with anyio.create_task_group() as tg:
                call: Any = client.call_tool
                tg.start_soon(call, "slow", {"question": "a long one"}, None, progress)
                await streaming.wait()
                tg.cancel_scope.cancel()  # the client sends notifications/cancelled
            # the agent takes one turn at a time: this answers only once the long run stopped
            short = await client.call_tool("slow", {"question": "a short one"})
        assert short.structured_content == {"answer": "A short answer."}
        bad = await client.call_tool("slow", {"question": ["not", "text"]})
        assert bad.is_error and bad.content[0].text.startswith("SignatureError: Ask: input field")
        assert (await client.call_tool("solo", QUESTION)).structured_content is not None


async def test_without_a_target_the_demo_teams_are_served() -> None:
    params = StdioServerParameters(command=COMMAND[0], args=COMMAND[1:], cwd=ROOT)
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        assert client.server_info is not None and client.server_info.name == "kaizen-actors"
    assert [t.name for t in tools] == ["debate", "consensus", "supervisor"]


async def test_with_http_the_web_app_serves_mcp() -> None:
    port = free_port()
    command = [*COMMAND, TARGET, "--http", "--port", str(port)]
    async with await anyio.open_process(command, cwd=ROOT, stdout=None, stderr=None) as process:
        try:
            with anyio.fail_after(60):
                await _healthy(f"http://127.0.0.1:{port}")
                async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                    result = await client.call_tool("solo", QUESTION)
            assert result.structured_content == {"answer": "Yes, 1009 is prime."}
        finally:
            process.terminate()


async def _healthy(url: str) -> None:
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await anyio.sleep(0.05)
