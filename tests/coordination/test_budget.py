from __future__ import annotations

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent
from kaizen_actors.coordination import Budget, Debate, team
from kaizen_actors.events import RunFailed

from .models import ProbeModel, scripted

pytestmark = pytest.mark.anyio

LONG = " ".join(f"w{i}" for i in range(2000))


async def failed_stream(t: ka.coordination.Team) -> RunFailed:
    async with t.stream(question="q") as events:
        seen = [e async for e in events]
    assert isinstance(seen[-1], RunFailed)
    assert isinstance(events.error, ka.BudgetExceeded)
    return seen[-1]


async def test_max_tokens_stops_a_long_reply_mid_stream() -> None:
    models = [ProbeModel(LONG) for _ in range(2)]
    agents = [Agent(f"a{i}", signature="question -> answer", model=m) for i, m in enumerate(models)]
    async with team(*agents, pattern=Debate(rounds=1), budget=Budget(max_tokens=100)) as t:
        with anyio.fail_after(5), pytest.raises(ka.BudgetExceeded) as caught:
            await t.run(question="q")
        assert caught.value.limit == "tokens"
        assert all(len(m.yielded_at) < 200 for m in models)  # stopped long before 2,000 words
        failed = await failed_stream(t)
    assert failed.reason == "budget" and "max_tokens=100" in failed.error


async def test_max_calls_stops_before_the_call_that_would_cross_it() -> None:
    agents = [scripted(n, "yes", "yes") for n in ("a", "b", "c")]
    pattern = Debate(rounds=2, stop_on_agreement=False)
    async with team(*agents, pattern=pattern, budget=Budget(max_calls=4)) as t:
        with anyio.fail_after(5), pytest.raises(ka.BudgetExceeded) as caught:
            await t.run(question="q")
    error = caught.value
    assert error.limit == "calls"
    assert [turn.round for turn in error.transcript] == [1, 1, 1]  # the partial transcript
    assert all(turn.ok for turn in error.transcript)


async def test_max_cost_is_checked_after_each_turn() -> None:
    agents = [
        Agent(f"a{i}", signature="question -> answer", model=ProbeModel("yes", cost=0.01))
        for i in range(3)
    ]
    pattern = Debate(rounds=2, stop_on_agreement=False)
    async with team(*agents, pattern=pattern, budget=Budget(max_cost=0.025)) as t:
        with anyio.fail_after(5), pytest.raises(ka.BudgetExceeded) as caught:
            await t.run(question="q")
    assert caught.value.limit == "cost"
    assert 3 <= len(caught.value.transcript) < 6


async def test_max_seconds_is_a_deadline_on_the_run() -> None:
    models = [ProbeModel(LONG, 0.01) for _ in range(2)]
    agents = [Agent(f"a{i}", signature="question -> answer", model=m) for i, m in enumerate(models)]
    async with team(*agents, pattern=Debate(rounds=1), budget=Budget(max_seconds=0.05)) as t:
        with anyio.fail_after(5), pytest.raises(ka.BudgetExceeded) as caught:
            await t.run(question="q")
        assert caught.value.limit == "seconds"
        for model in models:  # a reply takes 20 s: closed now means the deadline reached it
            with anyio.fail_after(5):
                await model.closed.wait()
        failed = await failed_stream(t)
    assert failed.reason == "budget"


async def test_a_run_within_budget_finishes() -> None:
    agents = [scripted(n, "yes") for n in ("a", "b")]
    budget = Budget(max_tokens=10_000, max_cost=1.0, max_seconds=10, max_calls=2)
    async with team(*agents, pattern=Debate(rounds=2), budget=budget) as t:
        result = await t.run(question="q")
    assert result.usage.calls == 2


def test_budget_limits_must_be_non_negative_numbers() -> None:
    with pytest.raises(ka.ConfigError):
        Budget(max_tokens=-1)
    with pytest.raises(ka.ConfigError):
        Budget(max_cost="1")  # type: ignore[arg-type]
