"""Leaving a stream, cancelling run() or a timeout stop every in-flight model call."""

from __future__ import annotations

import asyncio

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent
from kaizen_actors.coordination import Debate, team
from kaizen_actors.events import RunFailed, Token

from .models import ProbeModel

pytestmark = pytest.mark.anyio

LONG = " ".join(f"word{i}" for i in range(2000))


def probes(n: int = 3, delay: float = 0.005) -> list[ProbeModel]:
    return [ProbeModel(LONG, delay) for _ in range(n)]


def agents_of(models: list[ProbeModel]) -> list[Agent]:
    return [Agent(f"a{i}", signature="question -> answer", model=m) for i, m in enumerate(models)]


async def assert_stopped(models: list[ProbeModel]) -> None:
    """Every model stream that started closes long before its reply would end.

    A whole reply takes 10 s (2,000 words, 5 ms apart): a stream closed well
    within that was closed by the cancel. How fast the cancel lands (p50 and
    p99, in process and over NATS) is measured in bench/bench_cancel.py.
    """
    assert any(model.yielded_at for model in models)
    with anyio.fail_after(5):
        for model in models:
            if model.yielded_at:
                await model.closed.wait()
    for model in models:
        if not model.yielded_at:  # cancelled before its model was called: it never runs
            continue
        assert model.closed_at is not None, "the model stream was not closed"
        assert max(model.yielded_at) <= model.closed_at
        assert len(model.yielded_at) < 1000  # far from the 2,000 words of the reply


async def settle_and_list_new_tasks(baseline: set[asyncio.Task[object]]) -> set[str]:
    await anyio.wait_all_tasks_blocked()
    return {t.get_name() for t in asyncio.all_tasks() - baseline if not t.done()}


async def test_breaking_out_of_a_stream_stops_the_model_calls() -> None:
    models = probes()
    async with team(*agents_of(models), pattern=Debate(rounds=1)) as t:
        baseline = set(asyncio.all_tasks())
        tokens = 0
        async for event in t.stream(question="q"):  # abandoned: no aclose, no async with
            if isinstance(event, Token):
                tokens += 1
                if tokens == 10:
                    break
        with anyio.fail_after(10):
            await t.wait_idle()
        await assert_stopped(models)
        assert await settle_and_list_new_tasks(baseline) == set()


async def test_leaving_an_async_with_stream_stops_the_run() -> None:
    models = probes()
    async with team(*agents_of(models), pattern=Debate(rounds=1)) as t:
        baseline = set(asyncio.all_tasks())
        async with t.stream(question="q") as events:
            async for event in events:
                if isinstance(event, Token):
                    break
        assert t.active_runs == 0  # aclose() waited for the run's tasks
        await assert_stopped(models)
        assert await settle_and_list_new_tasks(baseline) == set()


async def test_cancelling_run_stops_the_model_calls() -> None:
    models = probes()
    async with team(*agents_of(models), pattern=Debate(rounds=1)) as t:
        baseline = set(asyncio.all_tasks())
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: t.run(question="q"))
            for model in models:
                with anyio.fail_after(10):
                    await model.streaming.wait()
            tg.cancel_scope.cancel()
        await assert_stopped(models)
        assert await settle_and_list_new_tasks(baseline) == set()


async def test_a_run_timeout_stops_the_model_calls_and_fails_the_run() -> None:
    models = probes()
    async with team(*agents_of(models), pattern=Debate(rounds=1), timeout=0.1) as t:
        with anyio.fail_after(10), pytest.raises(ka.RunError) as caught:
            await t.run(question="q")
        assert caught.value.reason == "timeout"
        await assert_stopped(models)
        async with t.stream(question="q") as events:
            seen = [e async for e in events]
    assert isinstance(seen[-1], RunFailed) and seen[-1].reason == "timeout"
    assert not any(isinstance(e, Token) for e in seen[seen.index(seen[-1]) + 1 :])


async def test_leaving_the_team_cancels_runs_still_streaming() -> None:
    models = probes(2)
    async with team(*agents_of(models), pattern=Debate(rounds=1)) as t:
        events = t.stream(question="q")
        await events.__anext__()
        for model in models:
            with anyio.fail_after(10):
                await model.streaming.wait()
    await assert_stopped(models)
    rest = [e async for e in events]
    assert isinstance(rest[-1], RunFailed) and rest[-1].reason == "cancelled"
    assert [e.seq for e in rest] == list(range(1, len(rest) + 1))
