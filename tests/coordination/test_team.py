from __future__ import annotations

import itertools
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, InputField, OutputField, ScriptedModel, Signature
from kaizen_actors.coordination import Debate, Pattern, TeamResult, Turn, team
from kaizen_actors.events import (
    AgentFinished,
    AgentStarted,
    RoundStarted,
    RunFailed,
    RunFinished,
    RunStarted,
    Token,
)
from kaizen_actors.transport._nats_flow import DEFAULT_WINDOW

from .models import Barrier, ProbeModel, responder, scripted

pytestmark = pytest.mark.anyio


class Answer(Signature):
    """Answer the question."""

    question: str = InputField()
    answer: str = OutputField()
    confidence: float = OutputField()


def solvers(n: int = 3, reply: str = "Yes, it is prime.", **kw: object) -> list[Agent]:
    return [responder(f"solver{i}", lambda m: reply, **kw) for i in range(1, n + 1)]


async def test_run_returns_typed_output_transcript_usage_and_run_id() -> None:
    agents = [
        Agent(
            f"s{i}",
            signature=Answer,
            model=ScriptedModel(respond=lambda m: '{"answer": "Yes", "confidence": "0.9"}'),
        )
        for i in range(2)
    ]
    async with team(*agents, pattern=Debate(rounds=2, stop_on_agreement=False)) as t:
        result = await t.run(question="Is 1009 prime?")
    assert isinstance(result, TeamResult)
    assert result.output.answer == "Yes"
    assert result.output.confidence == 0.9  # typed by the signature, not the JSON string
    assert [(turn.agent, turn.round) for turn in result.transcript] == [
        ("s0", 1),
        ("s1", 1),
        ("s0", 2),
        ("s1", 2),
    ] or sorted((turn.round, turn.agent) for turn in result.transcript) == [
        (1, "s0"),
        (1, "s1"),
        (2, "s0"),
        (2, "s1"),
    ]
    assert all(turn.inputs == {"question": "Is 1009 prime?"} for turn in result.transcript)
    assert all(turn.output == {"answer": "Yes", "confidence": 0.9} for turn in result.transcript)
    assert set(result.usage.agents) == {"s0", "s1"}
    assert result.usage.calls == 4
    assert result.usage.total_tokens == sum(t.usage.total_tokens for t in result.transcript) > 0
    assert result.usage.agents["s0"].calls == 2
    assert len(result.run_id) == 32


async def test_stream_is_gap_free_from_run_started_to_run_finished() -> None:
    async with (
        team(*solvers(), pattern=Debate(rounds=2, stop_on_agreement=False)) as t,
        t.stream(question="Is 1009 prime?") as events,
    ):
        seen = [event async for event in events]
    assert [e.seq for e in seen] == list(range(len(seen)))
    assert {e.run_id for e in seen} == {events.run_id}
    assert isinstance(seen[0], RunStarted) and seen[0].pattern == "debate"
    assert isinstance(seen[-1], RunFinished)
    assert seen[-1].output == {"answer": "Yes, it is prime."}
    assert sum(isinstance(e, RoundStarted) for e in seen) == 2
    assert sum(isinstance(e, AgentStarted) for e in seen) == 6
    assert sum(isinstance(e, AgentFinished) for e in seen) == 6
    assert events.result is not None and events.result.run_id == events.run_id


async def test_parallel_agents_tokens_interleave_but_stay_in_order_per_agent() -> None:
    text = " ".join(f"w{i}" for i in range(30))
    agents = [
        Agent(f"a{i}", signature="question -> answer", model=ProbeModel(text, 0.001))
        for i in range(3)
    ]
    async with team(*agents, pattern=Debate(rounds=1)) as t, t.stream(question="q") as events:
        tokens = [e async for e in events if isinstance(e, Token)]
    order = [e.agent for e in tokens]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches > 10  # interleaved, not one agent after another
    for name in ("a0", "a1", "a2"):
        words = "".join(e.text for e in tokens if e.agent == name).split()
        assert words == text.split()


async def test_agents_of_a_round_run_at_the_same_time() -> None:
    barrier = Barrier(3)

    async def respond(messages: list[dict[str, str]]) -> str:
        await barrier.wait()  # times out unless all three turns are in flight together
        return "yes"

    agents = [responder(f"a{i}", respond) for i in range(3)]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        result = await t.run(question="q")
    assert result.output.answer == "yes"
    assert barrier.max_waiting == 3


async def test_concurrent_runs_on_one_team_never_mix_their_events() -> None:
    async with team(*solvers(), pattern=Debate(rounds=2, stop_on_agreement=False)) as t:
        streams = [t.stream(question=f"q{i}") for i in range(3)]
        collected: dict[int, list[object]] = {}

        async def consume(i: int) -> None:
            async with streams[i] as events:
                collected[i] = [e async for e in events]

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(consume, i)
            tg.start_soon(lambda: t.run(question="q-run"))
    assert len({s.run_id for s in streams}) == 3
    for i, events in collected.items():
        assert {e.run_id for e in events} == {streams[i].run_id}
        assert [e.seq for e in events] == list(range(len(events)))
        assert events[0].inputs == {"question": f"q{i}"}
        assert isinstance(events[-1], RunFinished)
        assert all(e.inputs == {"question": f"q{i}"} for e in events if isinstance(e, AgentStarted))


async def settled(probes: list[ProbeModel], transport: str) -> int:
    """How many tokens the models produced once they stopped producing."""
    if transport == "local":
        await anyio.wait_all_tasks_blocked()
        return sum(len(p.yielded_at) for p in probes)
    # Over NATS the producers wait for credit from another connection: no
    # local task state says they are done, so watch the count stand still.
    with anyio.fail_after(5):
        before = -1
        while (now := sum(len(p.yielded_at) for p in probes)) != before:
            before = now
            await anyio.sleep(0.05)
    return now


async def test_a_slow_consumer_applies_backpressure_with_bounded_memory(transport: str) -> None:
    text = " ".join(f"w{i}" for i in range(400))
    probes = [ProbeModel(text) for _ in range(2)]
    agents = [Agent(f"a{i}", signature="question -> answer", model=p) for i, p in enumerate(probes)]
    async with (
        team(*agents, pattern=Debate(rounds=1), buffer=16) as t,
        t.stream(question="q") as events,
    ):
        first = await events.__anext__()
        produced = await settled(probes, transport)
        # The models were stopped by the full buffer, far from the end of their
        # replies; over NATS each agent may also have its event window in flight.
        in_flight = 0 if transport == "local" else 2 * DEFAULT_WINDOW
        assert produced < 16 + 2 * 4 + in_flight
        buffered = len(events._producer.events)
        assert buffered <= 16
        rest = [e async for e in events]
    assert isinstance(first, RunStarted)
    assert isinstance(rest[-1], RunFinished)
    assert sum(isinstance(e, Token) for e in rest) == 800


async def test_members_given_by_name_are_reached_through_the_namespace() -> None:
    hub = ka.MemoryHub()
    served = [scripted("solver1", "Yes"), scripted("solver2", "yes.")]
    async with ka.ActorSystem("ns", ka.MemoryTransport(hub, wire=True)) as host:
        for agent in served:
            await agent.spawn(host)
        async with team(
            "solver1",
            "solver2",
            pattern=Debate(rounds=1),
            namespace="ns",
            transport=ka.MemoryTransport(hub, wire=True),
        ) as t:
            assert [m.agent for m in t.members] == [None, None]
            async with t.stream(question="Is 1009 prime?") as events:
                seen = [e async for e in events]
    result = events.result
    assert result is not None
    assert result.output.answer == "Yes"  # both agree after normalisation; first in order wins
    assert result.details["agreed"] is True
    assert [e.seq for e in seen] == list(range(len(seen)))
    assert {e.agent for e in seen if isinstance(e, Token)} == {"solver1", "solver2"}


async def test_a_team_can_use_an_existing_system_and_leaves_it_running() -> None:
    async with ka.ActorSystem("mine") as system:
        async with team(*solvers(2), pattern=Debate(rounds=1), system=system) as t:
            assert "solver1" in system.actors()
            result = await t.run(question="q")
        assert result.output.answer == "Yes, it is prime."
        assert system.running
        assert "solver1" not in system.actors()


async def test_leaving_the_team_stops_its_agents_and_refuses_new_runs() -> None:
    async with team(*solvers(2), pattern=Debate(rounds=1)) as t:
        system = t.system
    assert system is not None and not system.running
    with pytest.raises(ka.SystemStopped):
        await t.run(question="q")


async def test_two_different_agents_with_one_name_are_refused() -> None:
    with pytest.raises(ka.ConfigError, match="two different agents"):
        team(scripted("x", "a"), scripted("x", "b"), pattern=Debate())


async def test_a_pattern_is_required() -> None:
    with pytest.raises(ka.ConfigError, match="pattern"):
        team(scripted("x", "a"), pattern="debate")  # type: ignore[arg-type]


class Echo(Pattern):
    name = "echo"

    async def run(self, run):  # type: ignore[no-untyped-def]
        await run.round(1)
        turn: Turn = await run.turn(run.members[0], run.inputs, round=1)
        run.details["echo"] = True
        return {"answer": turn.output["answer"].upper()}


async def test_a_custom_pattern_returning_a_dict() -> None:
    async with team(scripted("only", "hello"), pattern=Echo()) as t:
        result = await t.run(question="q")
        async with t.stream(question="q") as events:
            kinds = [type(e).__name__ async for e in events]
    assert result.output.answer == "HELLO"
    assert result.details == {"echo": True}
    assert result.pattern == "echo"
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFailed"  # the script ran out


async def test_a_failing_stream_ends_with_run_failed_and_keeps_the_error() -> None:
    async with team(scripted("only", "hello"), pattern=Echo()) as t:
        await t.run(question="q")
        async with t.stream(question="q") as events:
            seen = [e async for e in events]
    last = seen[-1]
    assert isinstance(last, RunFailed)
    assert last.agent == "only" and last.reason == "error"
    assert "ScriptExhausted" in last.error_type
    assert isinstance(events.error, ka.RunError)


async def test_team_middleware_wraps_every_agent_turn() -> None:
    turns: list[tuple[str, int]] = []

    async def around_turn(
        message: object, ctx: ka.ActorContext, call_next: ka.actors.CallNext
    ) -> object:
        if isinstance(message, ka.AgentTask):
            turns.append((ctx.name, message.round))
        return await call_next(message, ctx)

    pattern = Debate(rounds=2, stop_on_agreement=False)
    async with team(*solvers(2), pattern=pattern, middleware=[around_turn]) as t:
        assert t.system is not None and t.system.middleware == (around_turn,)
        await t.run(question="Is 1009 prime?")
    assert sorted(turns) == [("solver1", 1), ("solver1", 2), ("solver2", 1), ("solver2", 2)]


async def test_team_middleware_with_a_given_system_is_a_config_error() -> None:
    async def mw(message: object, ctx: object, call_next: object) -> object:
        return None

    async with ka.ActorSystem("team-mw") as system:
        with pytest.raises(ka.ConfigError, match="pass it to the ActorSystem") as info:
            team(*solvers(2), pattern=Debate(), system=system, middleware=[mw])
    assert info.value.key == "middleware"
    with pytest.raises(ka.ConfigError, match="must be a list"):
        team(*solvers(2), pattern=Debate(), middleware=mw)  # type: ignore[arg-type]


async def test_the_same_middleware_wraps_each_model_call_of_a_turn() -> None:
    seen: list[tuple[str, str, int]] = []

    async def around(
        message: object, ctx: ka.ActorContext, call_next: ka.actors.CallNext
    ) -> object:
        if isinstance(message, ka.agents.ModelCall):
            reply = await call_next(message, ctx)
            assert isinstance(reply, ka.agents.ModelReply)
            seen.append((message.agent, message.model, len(message.messages)))
            return reply
        return await call_next(message, ctx)

    async with team(*solvers(2), pattern=Debate(rounds=1), middleware=[around]) as t:
        result = await t.run(question="Is 1009 prime?")
    assert result.output.answer
    assert sorted(agent for agent, _, _ in seen) == ["solver1", "solver2"]
    assert all(model == "scripted" and count >= 2 for _, model, count in seen)


async def test_middleware_sees_the_run_its_tool_calls_and_each_model_calls_usage() -> None:
    seen: list[tuple[str, Any]] = []

    async def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    async def around(message: object, ctx: Any, call_next: ka.actors.CallNext) -> object:
        if isinstance(message, ka.coordination.RunCall):
            assert ctx is None
            with ka.actors.carry_headers({"run": message.run_id}):
                result = await call_next(message, ctx)
            seen.append(("run", (message.team, message.pattern, message.inputs, result.run_id)))
            return result
        if isinstance(message, ka.agents.ToolInvocation):
            result = await call_next(message, ctx)
            seen.append(("tool", (message.agent, message.tool, message.arguments, result.result)))
            return result
        if isinstance(message, ka.agents.ModelCall):
            reply = await call_next(message, ctx)
            seen.append(("model", (reply.finish_reason, reply.usage.calls)))
            return reply
        if isinstance(message, ka.AgentTask):
            seen.append(("headers", dict(ctx.headers)))
        return await call_next(message, ctx)

    calc = Agent(
        "calc",
        signature="question -> answer",
        model=ScriptedModel([ka.ToolCall("add", {"a": 2, "b": 3}), "5"]),
        tools=[add],
    )
    async with team(calc, pattern=ka.Solo(), name="calc-team", middleware=[around]) as t:
        result = await t.run(question="2 + 3?")
    assert result.output.answer == "5"
    kinds = dict(seen)
    assert kinds["headers"] == {"run": result.run_id}
    assert kinds["tool"] == ("calc", "add", {"a": 2, "b": 3}, "5")
    assert [v for k, v in seen if k == "model"] == [("tool_calls", 1), ("stop", 1)]
    assert kinds["run"] == ("calc-team", "solo", {"question": "2 + 3?"}, result.run_id)
    assert seen[-1][0] == "run"


async def test_a_stream_started_after_its_team_stopped_fails_once_and_ends() -> None:
    async with team(*solvers(2), pattern=Debate(rounds=1)) as t:
        stream = t.stream(question="q")
    with anyio.fail_after(2):
        with pytest.raises(ka.SystemStopped):
            await stream.__anext__()
        assert [e async for e in stream] == []
        await stream.aclose()
