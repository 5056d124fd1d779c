"""``/mcp`` on the web app (streamable HTTP, a real uvicorn) with the ``mcp`` package's client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

import kaizen_actors as ka
from kaizen_actors.web import create_app
from kaizen_actors.web._serving import serving

from .teams import broken, debate, slow, solo

pytestmark = pytest.mark.anyio

QUESTION = {"question": "Is 1009 a prime number?"}
MODES = ["legacy", "auto"]  # the 2025 handshake (session, notifications/cancelled), the 2026 wire


@pytest.fixture
def slow_team() -> ka.Team:
    return ka.team(slow(), pattern=ka.Solo(), name="slow")


@pytest.fixture
async def url(slow_team: ka.Team) -> AsyncIterator[str]:
    app = create_app({"solo": solo(), "slow": slow_team, "broken": broken(), "debate": debate()})
    async with serving(app) as base:
        yield f"{base}/mcp"


@pytest.mark.parametrize("mode", MODES)
async def test_tools_calls_progress_and_errors_over_http(url: str, mode: str) -> None:
    seen: list[tuple[float, str | None]] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    async with Client(url, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert list(tools) == ["solo", "slow", "broken", "debate"]
        assert tools["debate"].input_schema["required"] == ["question"]
        result = await client.call_tool("debate", QUESTION, progress_callback=progress)
        assert result.structured_content is not None
        assert result.structured_content["answer"] == "yes"
        assert len(seen) > 20 and seen[0] == (1, "euler: yes")
        bad = await client.call_tool("debate", {"question": 1009})
        assert bad.is_error and bad.content[0].text.startswith("SignatureError: ")
        failed = await client.call_tool("broken", QUESTION)
        assert failed.is_error and "ScriptExhausted" in failed.content[0].text
        again = await client.call_tool("solo", QUESTION)
        assert again.structured_content == {"answer": "Yes, 1009 is prime."}


@pytest.mark.parametrize("mode", MODES)
async def test_a_cancelled_call_cancels_its_run(url: str, mode: str, slow_team: ka.Team) -> None:
    async with Client(url, mode=mode) as client:
        streaming = anyio.Event()

        async def progress(progress: float, total: float | None, message: str | None) -> None:
            streaming.set()

        with anyio.fail_after(10):  # the run itself would take 20 s
            async with anyio.create_task_group() as tg:
                call: Any = client.call_tool
                tg.start_soon(call, "slow", {"question": "a long one"}, None, progress)
                await streaming.wait()
                assert slow_team.active_runs == 1
                tg.cancel_scope.cancel()
            while slow_team.active_runs:
                await anyio.sleep(0.01)
            short = await client.call_tool("slow", {"question": "a short one"})
        assert short.structured_content == {"answer": "A short answer."}


async def test_mcp_needs_the_token_when_the_app_has_one() -> None:
    app = create_app({"solo": solo()}, auth_token="s3cret")
    async with serving(app) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            refused = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
        headers = {"Authorization": "Bearer s3cret"}
        async with (
            httpx2.AsyncClient(headers=headers) as authorised,
            Client(streamable_http_client(f"{base}/mcp", http_client=authorised)) as client,
        ):
            result = await client.call_tool("solo", QUESTION)
        assert result.structured_content == {"answer": "Yes, 1009 is prime."}
