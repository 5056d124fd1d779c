"""The seed's Nexus integration: a real ``nexus.Nexus`` app, and ``deploy_as_nexus`` channels."""

from __future__ import annotations

import json

import httpx
import pytest

import kaizen_actors as ka
from kaizen_actors.web._serving import serving

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def solver() -> ka.Agent:
    return ka.Agent(
        "solver",
        "question -> answer: str, confidence: float",
        ka.ScriptedModel(respond=lambda m: '{"answer": "Yes.", "confidence": 0.9}'),
    )


async def test_register_puts_the_agents_workflow_on_a_real_nexus_app() -> None:
    from nexus import Nexus

    app = Nexus(enable_durability=False)
    assert ka.nexus.register(app, solver()) == "solver"
    async with serving(app.fastapi_app) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.post(
            "/workflows/solver/execute", json={"inputs": {"question": "Is 1009 prime?"}}
        )
    assert response.status_code == 200, response.text
    assert response.json()["outputs"]["agent"] == {"answer": "Yes.", "confidence": 0.9}


def test_register_refuses_a_team_with_a_hint() -> None:
    from nexus import Nexus

    team = ka.team(solver(), pattern=ka.Solo())
    with pytest.raises(ka.ConfigError, match="deploy_as_nexus"):
        ka.nexus.register(Nexus(enable_durability=False), team)


async def test_an_agent_deployed_on_api_and_cli_serves_both(
    capsys: pytest.CaptureFixture[str],
) -> None:
    deployment = solver().deploy_as_nexus(channels=["api", "cli"], auth="tok", port=0)
    async with deployment:
        assert deployment.url is not None
        headers = {"Authorization": "Bearer tok"}
        async with httpx.AsyncClient(base_url=deployment.url, headers=headers) as client:
            assert (await client.get("/metrics")).status_code == 200
            run = await client.post(
                "/runs", json={"team": "solver", "inputs": {"question": "Is 1009 prime?"}}
            )
            assert run.status_code == 201
            assert (await client.get("/runs/x", headers={})).status_code in (401, 404)
        assert await deployment.cli(["--question", "Is 1009 prime?"]) == 0
        assert json.loads(capsys.readouterr().out) == {"answer": "Yes.", "confidence": 0.9}
        assert await deployment.cli([]) == 2  # --question is required
    assert deployment.url is None


async def test_a_team_deployed_on_the_cli_alone_runs_without_a_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = ka.team(solver(), pattern=ka.Solo(), name="panel")
    async with team.deploy_as_nexus(channels=["cli"]) as deployment:
        assert deployment.url is None
        assert await deployment.cli(["--question", "?"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "Yes."


async def test_monitoring_off_serves_no_metrics() -> None:
    deployment = solver().deploy_as_nexus(channels=["api"], monitoring=False, port=0)
    async with deployment, httpx.AsyncClient(base_url=deployment.url or "") as client:
        assert (await client.get("/metrics")).status_code == 404


def test_an_unknown_channel_is_a_config_error() -> None:
    with pytest.raises(ka.ConfigError) as caught:
        solver().deploy_as_nexus(channels=["api", "telegram"])
    assert caught.value.key == "channels"


async def test_the_mcp_channel_serves_the_agent_as_a_tool_at_slash_mcp() -> None:
    from mcp import Client

    deployment = solver().deploy_as_nexus(channels=["mcp"], port=0)
    async with deployment, Client(f"{deployment.url}/mcp") as client:
        tools = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("solver", {"question": "Is 1009 prime?"})
    assert tools == ["solver"]
    assert result.structured_content == {"answer": "Yes.", "confidence": 0.9}
