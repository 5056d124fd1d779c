"""``kaizen-actors web``: the demo teams by default; with ``--nats``, agents served elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
import pytest

from tests.nats.conftest import ROOT, Service
from tests.natsserver import free_port

from .conftest import QUESTION, read_events

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def web_process(nats_server):  # type: ignore[no-untyped-def]
    services = [Service(f"services:build_{n}", nats_server.url, "webdemo") for n in ("ana", "ben")]
    try:
        with web_command("web:served", "--nats", nats_server.url, "--name", "webdemo") as url:
            yield url
    finally:
        for service in services:
            service.kill()


@contextmanager
def web_command(*args: str) -> Iterator[str]:
    """``kaizen-actors web ARGS`` in a subprocess on a free port; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "examples" / "distributed"), str(ROOT)]),
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from kaizen_actors.cli import main; sys.exit(main())",
        "web",
        *args,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) as process:
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(20)


async def wait_healthy(url: str) -> None:
    async with httpx.AsyncClient() as client:
        with anyio.fail_after(60):
            while True:
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await anyio.sleep(0.1)


async def test_the_web_process_streams_a_debate_of_agents_served_by_two_other_processes(
    web_process: str,
) -> None:
    await wait_healthy(web_process)
    async with httpx.AsyncClient(base_url=web_process, timeout=30) as client:
        team = (await client.get("/api/teams")).json()["teams"][0]
        assert team["members"] == ["ana", "ben"]
        assert [f["name"] for f in team["inputs"]] == ["question"]  # learnt from ana
        refused = await client.post("/runs", json={"team": "debate", "inputs": {"q": "?"}})
        assert refused.status_code == 422
        response = await client.post("/runs", json={"team": "debate", "inputs": QUESTION})
        run_id = response.json()["run_id"]
        events = await read_events(client, f"/runs/{run_id}/events")
    assert [int(e["id"]) for e in events] == list(range(len(events)))
    assert {e["data"]["agent"] for e in events if e["event"] == "Token"} == {"ana", "ben"}
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["data"]["output"]["answer"] == "yes"


async def test_with_no_argument_it_serves_the_three_offline_demo_teams() -> None:
    with web_command() as url:
        await wait_healthy(url)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            teams = (await client.get("/api/teams")).json()["teams"]
            assert [t["name"] for t in teams] == ["debate", "consensus", "supervisor"]
            finished = {}
            for team in teams:
                name = team["inputs"][0]["name"]
                response = await client.post(
                    "/runs", json={"team": team["name"], "inputs": {name: "?"}}
                )
                events = await read_events(client, response.json()["events"])
                finished[team["name"]] = events[-1]["event"]
    assert finished == dict.fromkeys(["debate", "consensus", "supervisor"], "RunFinished")
