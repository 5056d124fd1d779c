"""Rate limits: calls of several agents spaced by the limit, in process and across processes."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.streams.text import TextReceiveStream

import kaizen_actors as ka
from kaizen_actors.events import Usage

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clocked:
    """A scripted model that notes when each call began (on ``clock``)."""

    def __init__(self, clock: Any = anyio.current_time, reply: str = "yes") -> None:
        self.times: list[float] = []
        self.clock = clock
        self.reply = reply
        self.model = ka.ScriptedModel(respond=self.respond)

    async def respond(self, messages: list[dict[str, Any]]) -> str:
        self.times.append(self.clock())
        return self.reply


def agents(model: ka.ScriptedModel, n: int = 3, prefix: str = "a") -> list[ka.Agent]:
    return [ka.Agent(f"{prefix}{i}", "question -> answer", model) for i in range(1, n + 1)]


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_the_calls_of_several_agents_are_spaced_by_the_limit() -> None:
    clocked = Clocked()
    limits = {"scripted": ka.RateLimit(requests_per_minute=600)}  # one call every 0.1 s
    pattern = ka.Debate(rounds=2, stop_on_agreement=False)
    async with ka.team(*agents(clocked.model), pattern=pattern, rate_limits=limits) as team:
        assert team.system is not None and team.system.rate_limits == limits
        await team.run(question="Is 1009 prime?")
    assert len(clocked.times) >= 6
    assert min(gaps(clocked.times)) >= 0.1 - 0.01


async def test_a_burst_lets_that_many_calls_start_at_once() -> None:
    clocked = Clocked()
    limits = {"scripted": ka.RateLimit(requests_per_minute=60, burst=3)}
    async with ka.team(*agents(clocked.model), pattern=ka.Consensus(), rate_limits=limits) as team:
        await team.run(question="q")
    assert len(clocked.times) == 3
    assert max(clocked.times) - min(clocked.times) < 0.5


async def test_tokens_per_minute_spaces_calls_by_what_they_used() -> None:
    clocked = Clocked(reply="yes " * 50)  # about 70 tokens a call
    # 100 tokens a second, a second's worth at once: the calls after the first two wait
    # for the tokens of those before them
    limits = {"scripted": ka.RateLimit(tokens_per_minute=6000)}
    system = ka.ActorSystem("tpm", rate_limits=limits)
    async with system:
        agent = ka.Agent("talker", "question -> answer", clocked.model)
        async with ka.team(agent, pattern=ka.Solo(), system=system) as team:
            for _ in range(5):
                await team.run(question="go on")
    assert len(clocked.times) == 5
    assert clocked.times[-1] - clocked.times[0] >= 1.0


async def test_a_call_waiting_for_its_permit_is_cancelled_at_once_without_orphans() -> None:
    clocked = Clocked()
    limits = {"scripted": ka.RateLimit(requests_per_minute=1)}
    async with ka.team(*agents(clocked.model, 1), pattern=ka.Solo(), rate_limits=limits) as team:
        await team.run(question="first")
        before = len(asyncio.all_tasks())
        started = anyio.current_time()
        with anyio.move_on_after(0.2):
            await team.run(question="second: waits 60 s for its permit")
        assert anyio.current_time() - started < 1.0
        await anyio.wait_all_tasks_blocked()
        assert len(asyncio.all_tasks()) <= before
    assert len(clocked.times) == 1


async def test_the_wait_for_a_permit_counts_in_the_runs_time_budget() -> None:
    clocked = Clocked()
    limits = {"scripted": ka.RateLimit(requests_per_minute=1)}
    budget = ka.Budget(max_seconds=0.3)
    solo = agents(clocked.model, 1)
    async with ka.team(*solo, pattern=ka.Solo(), rate_limits=limits, budget=budget) as team:
        await team.run(question="first")  # its permit is there at once
        with anyio.fail_after(5), pytest.raises(ka.BudgetExceeded):
            await team.run(question="second: its permit is a minute away")
    assert len(clocked.times) == 1


class RateLimitedOnce:
    """A chat model whose first call gets the provider's 429."""

    name = "flaky"

    def __init__(self) -> None:
        self.times: list[float] = []

    async def stream(self, messages: list[dict[str, Any]], meter: Any) -> Any:
        self.times.append(anyio.current_time())
        if len(self.times) == 1:
            meter.add(0, 0, 0.0)
            raise ka.ModelRateLimited("429 Too Many Requests", model=self.name)
        meter.add(10, 1, 0.0)
        yield "fine"


async def test_a_providers_429_pauses_the_shared_limiter(quiet_crash_logs) -> None:
    model = RateLimitedOnce()
    limits = {"flaky": ka.RateLimit(requests_per_minute=6000)}  # normally 10 ms apart
    agent = ka.Agent("one", "question -> answer", model)  # type: ignore[arg-type]
    async with ka.team(agent, pattern=ka.Solo(), rate_limits=limits) as team:
        result = await team.run(question="q")  # the crashed turn is tried once more
    assert result.output.answer == "fine"
    assert model.times[1] - model.times[0] >= 1.0  # paused at least a second after the 429


def test_bad_limits_are_config_errors_that_say_what_to_do() -> None:
    with pytest.raises(ka.ConfigError, match="positive number"):
        ka.RateLimit(requests_per_minute=0)
    with pytest.raises(ka.ConfigError, match="give requests_per_minute="):
        ka.RateLimit()
    with pytest.raises(ka.ConfigError, match="burst must be an integer"):
        ka.RateLimit(requests_per_minute=1, burst=0)
    with pytest.raises(ka.ConfigError, match=r"must be a ka\.RateLimit"):
        ka.ActorSystem("bad", rate_limits={"m": 10})
    with pytest.raises(ka.ConfigError, match="map model names"):
        ka.team(*agents(ka.ScriptedModel()), pattern=ka.Solo(), rate_limits=[1])


async def test_rate_limits_with_a_given_system_are_a_config_error() -> None:
    async with ka.ActorSystem("given") as system:
        with pytest.raises(ka.ConfigError, match="pass it to the ActorSystem") as info:
            ka.team(
                *agents(ka.ScriptedModel(), 1),
                pattern=ka.Solo(),
                system=system,
                rate_limits={"scripted": ka.RateLimit(requests_per_minute=1)},
            )
    assert info.value.key == "rate_limits"


def test_the_usage_of_a_call_settles_its_estimate() -> None:
    from kaizen_actors.telemetry._limits import Bucket, estimate_tokens

    limit = ka.RateLimit(tokens_per_minute=600, burst=6)  # 10 tokens/s, 60 at once
    bucket = Bucket.full(limit, now=0.0)
    estimate = estimate_tokens([{"role": "user", "content": "x" * 40}])
    assert estimate == 14
    assert bucket.take(limit, 0.0, estimate) == 0.0
    bucket.settle(limit, 0.0, Usage(prompt_tokens=100).total_tokens - estimate)
    assert bucket.tokens == 60 - 100
    assert bucket.take(limit, 0.0, 1) == pytest.approx(4.0)  # 40 tokens of debt at 10 tokens/s


PROCESS = """
import json, sys, time, anyio
import kaizen_actors as ka

url, namespace, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []

async def respond(messages):
    times.append(time.time())
    return "yes"

async def main():
    model = ka.ScriptedModel(respond=respond)
    agent = ka.Agent("far", "question -> answer", model)
    limits = {"scripted": ka.RateLimit(requests_per_minute=600)}
    async with ka.team(agent, pattern=ka.Solo(), transport=url, namespace=namespace,
                       rate_limits=limits) as team:
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        for _ in range(calls):
            await team.run(question="q")
    print(json.dumps(times), flush=True)

anyio.run(main)
"""


@pytest.mark.slow
async def test_two_processes_on_one_namespace_share_the_limit(nats_server, tmp_path: Path) -> None:
    script = tmp_path / "limited.py"
    script.write_text(PROCESS)
    calls, namespace = 10, "limits-shared"
    clocked = Clocked(clock=time.time)
    limits = {"scripted": ka.RateLimit(requests_per_minute=600)}
    command = [sys.executable, str(script), nats_server.url, namespace, str(calls)]
    async with (
        await anyio.open_process(command, stdin=-1, stdout=-1) as process,
        ka.team(
            ka.Agent("near", "question -> answer", clocked.model),
            pattern=ka.Solo(),
            transport=nats_server.url,
            namespace=namespace,
            rate_limits=limits,
        ) as team,
    ):
        assert process.stdin is not None and process.stdout is not None
        lines = TextReceiveStream(process.stdout)
        output = ""
        with anyio.fail_after(30):
            async for chunk in lines:
                output += chunk
                if "ready" in output:
                    break
            await process.stdin.send(b"go\n")
            for _ in range(calls):
                await team.run(question="q")
            async for chunk in lines:
                output += chunk
        far = json.loads(output.split("ready", 1)[1].strip())
    assert len(far) == calls and len(clocked.times) == calls
    merged = sorted(far + clocked.times)
    # the processes' calls interleave, and any second holds at most 10 (+1 burst) of them
    assert min(far) < max(clocked.times) and min(clocked.times) < max(far)
    for i, start in enumerate(merged):
        in_window = sum(1 for t in merged[i:] if t - start < 1.0)
        assert in_window <= 11, (in_window, merged)
