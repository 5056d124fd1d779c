"""``kaizen-actors serve`` with real subprocesses: discovery, draining, the distributed example."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import anyio
import pytest

import kaizen_actors as ka

from .actors import Work
from .conftest import ROOT, Service

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _srv(client: ka.ActorSystem, verb: str, namespace: str) -> dict:
    reply = await client.transport.client.request(f"$SRV.{verb}.ka-{namespace}", b"", timeout=5)
    return json.loads(reply.data)


async def test_a_service_answers_ping_info_and_stats_with_its_actors_and_counters(
    nats_server, services
) -> None:
    services.append(Service("actors:build_worker", nats_server.url, "svc", "--root-name", "tree"))
    async with ka.ActorSystem("svc", nats_server.url) as client:
        assert (await client.ref("worker").ask(Work(n=3)))[1] == 3
        ping = await _srv(client, "PING", "svc")
        assert ping["name"] == "ka-svc" and ping["metadata"]["namespace"] == "svc"
        info = await _srv(client, "INFO", "svc")
        assert info["metadata"]["actors"] == "tree,worker"
        stats = await _srv(client, "STATS", "svc")
        [endpoint] = stats["endpoints"]
        assert endpoint["data"]["actors"] == ["tree", "worker"]
        assert endpoint["data"]["counters"]["received"] == 1
        assert endpoint["data"]["counters"]["replies_sent"] == 1


async def test_sigterm_drains_in_flight_work_refuses_new_work_and_exits_0(
    nats_server, services
) -> None:
    service = Service("actors:build_worker", nats_server.url, "drain", "--grace", "10")
    services.append(service)
    async with ka.ActorSystem("drain", nats_server.url) as client:
        ref = client.ref("worker")
        results: list = []

        async def slow() -> None:
            results.append(await ref.ask(Work(seconds=1.0, n=1), timeout=10))

        async with anyio.create_task_group() as tg:
            tg.start_soon(slow)
            with anyio.fail_after(10):  # poll the service's STATS until it has the message
                while (await _srv(client, "STATS", "drain"))["endpoints"][0]["data"]["counters"][
                    "received"
                ] < 1:
                    await anyio.sleep(0.02)
            service.process.send_signal(15)
            with anyio.fail_after(10):  # the service stops serving names at once
                while True:
                    try:
                        await ref.ask(Work(n=2), timeout=5)
                    except (ka.ActorNotFound, ka.KaizenError) as exc:
                        # refused while draining, nobody serves it any more, or it was
                        # queued behind the slow one when the grace period ended
                        text = str(exc)
                        assert (  # noqa: PT017 - a retry loop: which error comes is the point
                            "draining" in text
                            or "no actor named" in text
                            or (isinstance(exc, ka.ActorStopped) and "shut down" in text)
                        )
                        break
                    await anyio.sleep(0.02)
        assert results and results[0][1] == 1
        assert await anyio.to_thread.run_sync(service.process.wait, 20) == 0


async def test_the_distributed_example_runs_across_three_processes(nats_server, services) -> None:
    services.append(Service("services:build_ana", nats_server.url, "demo"))
    services.append(Service("services:build_ben", nats_server.url, "demo"))
    team = await anyio.run_process(
        [sys.executable, "team.py", "--nats", nats_server.url, "--name", "demo", "Is 1009 prime?"],
        cwd=ROOT / "examples" / "distributed",
        check=False,
    )
    out = team.stdout.decode()
    assert team.returncode == 0, team.stderr.decode()
    pids = {service.process.pid for service in services}
    assert "--- round 2 ---" in out and "[ana] answer: yes" in out and "[ben] answer: no" in out
    assert {int(pid) for pid in re.findall(r"pid (\d+)", out)} == pids
    assert "RESULT: yes (4 calls)" in out
    for service in services:
        assert await anyio.to_thread.run_sync(service.terminate) == 0


def test_serve_reports_a_bad_target_clearly() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kaizen_actors.cli._serve", "nope.module:build"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode != 0 and "cannot load 'nope.module:build'" in out.stderr


async def test_serve_exits_1_with_the_error_logged_when_the_tree_gives_up(
    nats_server, services
) -> None:
    service = Service("actors:build_crasher", nats_server.url, "giveup")
    services.append(service)
    code = await anyio.to_thread.run_sync(service.process.wait, 30)
    assert code == 1
    log = service.output()
    assert "gave up" in log and "crashes on purpose" in log


def test_serve_help_describes_the_command() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from kaizen_actors.cli import main; main()", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "::" not in out.stdout
    assert "Run a supervisor tree" in out.stdout and "--durable" in out.stdout
