"""The official TypeScript client (``@modelcontextprotocol/sdk``) against stdio and ``/mcp``.

``tests/web/mcp_js/mcp_client.mjs`` connects, lists the tools, calls one with
``onprogress`` (so it sends a progress token), calls it with bad arguments,
then calls it again; the SDK's ``callTool`` checks every structured result
against the tool's output schema (ajv).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pydantic
import pytest

import kaizen_actors as ka
from kaizen_actors.web import create_app
from kaizen_actors.web._serving import serving

from .teams import debate

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests" / "web" / "mcp_js"
MAIN = "import sys; from kaizen_actors.cli import main; sys.exit(main())"


async def node_client(*args: str, **env: str) -> dict[str, Any]:
    """What ``mcp_client.mjs`` saw (``env``: its ``MCP_*`` settings)."""
    if not (JS / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        message = "run: npm ci --prefix tests/web/mcp_js"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with anyio.fail_after(90):
        done = await anyio.run_process(
            ["node", str(JS / "mcp_client.mjs"), *args],
            cwd=ROOT,
            env={**os.environ, **env},
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()
    seen: dict[str, Any] = json.loads(done.stdout)
    assert seen["error"] is None, seen["error"]
    return seen


def check_debate(seen: dict[str, Any]) -> None:
    tools = {t["name"]: t for t in seen["tools"]}
    assert tools["debate"]["inputSchema"] == {
        "type": "object",
        "properties": {"question": {"type": "string"}},
        "required": ["question"],
        "additionalProperties": False,
    }
    assert tools["debate"]["outputSchema"]["required"] == ["answer", "reasoning"]
    first = seen["first"]
    assert first["isError"] is False and first["structuredContent"]["answer"] == "yes"
    assert json.loads(first["content"][0]["text"]) == first["structuredContent"]
    progress = seen["progress"]
    assert [p["progress"] for p in progress] == list(range(1, len(progress) + 1))
    assert {p["message"].split(": ", 1)[0] for p in progress} == {"euler", "bob", "gauss"}
    bad = seen["bad"]
    assert bad["isError"] is True and "structuredContent" not in bad
    assert bad["content"][0]["text"] == (
        "SignatureError: StringSignature: unknown input field 'nonsense' (inputs: question)"
    )
    assert seen["second"]["structuredContent"] == first["structuredContent"]  # still serving


async def test_the_typescript_client_over_stdio() -> None:
    seen = await node_client(
        "stdio", sys.executable, "-c", MAIN, "mcp", "tests.mcp_server.teams:served"
    )
    assert seen["server"] == {"name": "kaizen-actors", "version": ka.__version__}
    assert [t["name"] for t in seen["tools"]] == ["solo", "slow", "broken", "debate"]
    check_debate(seen)


async def test_the_typescript_client_over_streamable_http_with_a_token() -> None:
    app = create_app({"debate": debate()}, auth_token="s3cret")
    async with serving(app) as base:
        seen = await node_client("http", f"{base}/mcp", MCP_TOKEN="s3cret")
    check_debate(seen)


class Place(pydantic.BaseModel):
    city: str


class Trip(ka.Signature):
    """Plan a trip."""

    where: str = ka.InputField(desc="the region")
    stops: list[Place] = ka.OutputField(desc="the stops")
    note: str | None = ka.OutputField()


async def test_the_typescript_client_accepts_nested_outputs_by_their_schema() -> None:
    reply = '{"stops": [{"city": "Hobart"}, {"city": "Launceston"}], "note": null}'
    planner = ka.Agent("planner", signature=Trip, model=ka.ScriptedModel(respond=lambda _: reply))
    async with serving(create_app(planner)) as base:
        seen = await node_client(
            "http",
            f"{base}/mcp",
            MCP_TOOL="planner",
            MCP_ARGUMENTS='{"where": "Tasmania"}',
            MCP_BAD_ARGUMENTS='{"where": ["Tasmania"]}',
        )
    (tool,) = seen["tools"]
    assert tool["outputSchema"]["properties"]["stops"]["items"] == {"$ref": "#/$defs/Place"}
    assert seen["first"]["structuredContent"] == json.loads(reply)
    assert seen["bad"]["content"][0]["text"].startswith("SignatureError: Trip: input field 'where'")
