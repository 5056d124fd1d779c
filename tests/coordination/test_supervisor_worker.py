from __future__ import annotations

import json

import anyio
import anyio.lowlevel
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, ScriptedModel
from kaizen_actors.coordination import SupervisorWorker, team
from kaizen_actors.events import AgentStarted, RoundStarted

from .models import Barrier, CrashModel, responder, user_text

pytestmark = pytest.mark.anyio


def plan(*pairs: tuple[str, str]) -> str:
    return json.dumps({"plan": [{"worker": w, "task": t} for w, t in pairs]})


def lead(*replies: str, prompts: list[str] | None = None) -> Agent:
    def respond(messages: list[dict[str, str]]) -> str:
        if prompts is not None:
            prompts.append(user_text(messages))
        return replies[min(len(prompts or []) - 1, len(replies) - 1)] if prompts else replies[0]

    return Agent(
        "lead",
        signature="question -> answer",
        model=ScriptedModel(list(replies)) if prompts is None else ScriptedModel(respond=respond),
        instructions="You run a research team.",
    )


async def test_the_supervisor_plans_workers_run_in_parallel_and_it_synthesizes() -> None:
    barrier = Barrier(2)

    def worker_fn(tag: str):  # type: ignore[no-untyped-def]
        async def respond(messages: list[dict[str, str]]) -> str:
            await barrier.wait()  # both workers must be in flight at once
            return f"{tag} done: {user_text(messages)}"

        return respond

    prompts: list[str] = []
    supervisor = lead(
        plan(("researcher", "find facts"), ("writer", "draft text")),
        "Final: facts and draft combined",
        prompts=prompts,
    )
    workers = [
        responder("researcher", worker_fn("R"), sig="task -> result"),
        responder("writer", worker_fn("W"), sig="task -> result"),
    ]
    pattern = SupervisorWorker(supervisor=supervisor, workers=workers)
    async with team(pattern=pattern) as t, t.stream(question="Write about 1009") as events:
        seen = [e async for e in events]
    result = events.result
    assert result is not None
    assert result.output.answer == "Final: facts and draft combined"
    assert [e.round for e in seen if isinstance(e, RoundStarted)] == [1, 2, 3]
    starts = [(e.agent, e.round) for e in seen if isinstance(e, AgentStarted)]
    assert starts[0] == ("lead", 1) and starts[-1] == ("lead", 3)
    assert sorted(starts[1:3]) == [("researcher", 2), ("writer", 2)]
    assert "question: Write about 1009" in prompts[0] and "researcher" in prompts[0]
    assert "R done: task: find facts" in prompts[1] and "W done: task: draft text" in prompts[1]
    assert result.details["plan"] == [
        {"worker": "researcher", "task": "find facts"},
        {"worker": "writer", "task": "draft text"},
    ]
    assert result.details["failures"] == 0
    assert set(result.usage.agents) == {"lead", "researcher", "writer"}


async def test_a_failing_worker_is_retried_once_then_reported_to_the_synthesis() -> None:
    prompts: list[str] = []
    supervisor = lead(
        plan(("flaky", "try it"), ("broken", "try too")),
        "Summary despite failures",
        prompts=prompts,
    )
    flaky = Agent("flaky", signature="task -> result", model=CrashModel(fails=1, answer="ok"))
    broken_model = CrashModel(fails=5)
    broken = Agent("broken", signature="task -> result", model=broken_model)
    async with team(pattern=SupervisorWorker(supervisor, [flaky, broken])) as t:
        result = await t.run(question="q")
    assert result.output.answer == "Summary despite failures"
    assert broken_model.calls == 2  # tried, then retried once
    assert "FAILED: RuntimeError: model blew up on call 2" in prompts[1]
    assert "Result: thinking ok" in prompts[1]
    assert result.details["failures"] == 1
    attempts = [(t.agent, t.attempt, t.ok) for t in result.transcript if t.round == 2]
    assert sorted(attempts) == [
        ("broken", 1, False),
        ("broken", 2, False),
        ("flaky", 1, False),
        ("flaky", 2, True),
    ]


async def test_an_assignment_to_an_unknown_worker_is_reported_not_fatal() -> None:
    prompts: list[str] = []
    supervisor = lead(plan(("ghost", "boo"), ("w", "work")), "done", prompts=prompts)
    w = responder("w", lambda m: "worked", sig="task -> result")
    async with team(w, pattern=SupervisorWorker(supervisor)) as t:
        result = await t.run(question="q")
    assert "no worker named 'ghost'" in prompts[1]
    assert result.details["failures"] == 1


class Gauge:
    """A model that counts how many of its streams are open at once.

    Each stream stays open until ``Gauge.hold`` streams are open together, so
    the count does not depend on how fast the loop starts the workers.
    """

    name = "gauge"
    running = 0
    most = 0
    hold = 1

    async def stream(self, messages, meter):  # type: ignore[no-untyped-def]
        Gauge.running += 1
        Gauge.most = max(Gauge.most, Gauge.running)
        try:
            with anyio.fail_after(10):
                while Gauge.most < Gauge.hold:
                    await anyio.sleep(0.001)
            for word in ("one", " two", " three"):
                await anyio.lowlevel.checkpoint()
                yield word
        finally:
            Gauge.running -= 1
            meter.add(1, 3, 0.0)


@pytest.mark.parametrize(("limit", "expected"), [(2, 2), (None, 4)])
async def test_max_parallel_limits_worker_turns_at_once(limit: int | None, expected: int) -> None:
    Gauge.most, Gauge.hold = 0, expected
    workers = [Agent(f"w{i}", signature="task -> result", model=Gauge()) for i in range(4)]
    supervisor = lead(plan(*[(f"w{i}", "x") for i in range(4)]), "done")
    async with team(pattern=SupervisorWorker(supervisor, workers, max_parallel=limit)) as t:
        result = await t.run(question="q")
    assert result.output.answer == "done"
    assert Gauge.most == expected


async def test_a_worker_with_several_inputs_gets_the_subtask_in_task() -> None:
    seen: list[str] = []

    def respond(messages: list[dict[str, str]]) -> str:
        seen.append(user_text(messages))
        return "ok"

    worker = responder("w", respond, sig="question, task -> result")
    supervisor = lead(plan(("w", "sub")), "done")
    async with team(pattern=SupervisorWorker(supervisor, [worker])) as t:
        await t.run(question="big question")
    assert "question: big question" in seen[0] and "task: sub" in seen[0]


async def test_an_unusable_plan_fails_the_run_naming_the_supervisor() -> None:
    supervisor = lead('{"plan": "not a list"}', '{"plan": "nope"}', '{"plan": "no"}')
    w = responder("w", lambda m: "ok", sig="task -> result")
    async with team(pattern=SupervisorWorker(supervisor, [w])) as t:
        with pytest.raises(ka.RunError) as caught:
            await t.run(question="q")
    assert caught.value.agent == "lead"


async def test_supervisor_worker_needs_a_worker() -> None:
    with pytest.raises(ka.ConfigError, match="worker"):
        async with team(pattern=SupervisorWorker(lead("x"))):
            pass
