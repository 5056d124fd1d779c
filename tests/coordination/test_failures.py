from __future__ import annotations

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent
from kaizen_actors.coordination import Consensus, Debate, team
from kaizen_actors.events import AgentStarted, RunFailed, Token

from .models import CrashModel, scripted

pytestmark = pytest.mark.anyio


async def test_a_crashed_agent_is_restarted_and_its_turn_retried_once() -> None:
    model = CrashModel(fails=1)
    agents = [scripted("a", "yes"), Agent("b", signature="question -> answer", model=model)]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        with anyio.fail_after(5):
            result = await t.run(question="q")
        assert t.system is not None and t.system._cells["b"].restarts == 1
    assert result.output.answer == "yes"
    b_turns = [(turn.attempt, turn.error) for turn in result.transcript if turn.agent == "b"]
    assert b_turns == [(1, "RuntimeError: model blew up on call 1"), (2, None)]


async def test_a_second_crash_fails_the_run_naming_the_agent_and_the_error() -> None:
    agents = [
        scripted("a", "yes", "yes"),
        Agent("b", signature="question -> answer", model=CrashModel(9)),
    ]
    async with team(*agents, pattern=Consensus()) as t:
        with anyio.fail_after(5):
            async with t.stream(question="q") as events:
                seen = [e async for e in events]
        with anyio.fail_after(5), pytest.raises(ka.RunError) as caught:
            await t.run(question="q")
    last = seen[-1]
    assert isinstance(last, RunFailed)
    assert last.agent == "b" and last.reason == "error"
    assert "'b'" in last.error and "model blew up" in last.error
    assert last.error_type.endswith("RuntimeError")
    assert sum(isinstance(e, AgentStarted) and e.agent == "b" for e in seen) == 2
    error = caught.value
    assert error.agent == "b" and error.reason == "error"
    assert isinstance(error.__cause__, ka.ActorCrashed)
    assert [turn.agent for turn in error.transcript if turn.ok] == ["a"]


async def test_bad_inputs_are_not_retried() -> None:
    model = CrashModel(0)
    agents = [Agent("b", signature="question -> answer", model=model)]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        with pytest.raises(ka.RunError, match="SignatureError") as caught:
            await t.run(wrong="q")
    assert model.calls == 0
    assert len(caught.value.transcript) == 1


async def test_a_member_nobody_serves_fails_the_run_at_once() -> None:
    async with team(scripted("a", "x"), "ghost", pattern=Debate(rounds=1)) as t:
        with anyio.fail_after(5), pytest.raises(ka.RunError) as caught:
            await t.run(question="q")
    assert caught.value.agent == "ghost"
    assert isinstance(caught.value.__cause__, ka.ActorNotFound)


async def test_a_turn_slower_than_turn_timeout_fails_the_run_with_reason_timeout() -> None:
    from .models import ProbeModel

    slow = ProbeModel("one two three four five six", delay=1.0)
    agents = [Agent("slow", signature="question -> answer", model=slow)]
    async with team(*agents, pattern=Debate(rounds=1), turn_timeout=0.05) as t:
        with anyio.fail_after(5), pytest.raises(ka.RunError) as caught:
            await t.run(question="q")
    assert caught.value.reason == "timeout" and caught.value.agent == "slow"
    assert slow.closed_at is not None


async def test_a_model_emitting_a_lone_surrogate_is_repaired_alike_in_process_and_over_nats() -> (
    None
):
    from kaizen_actors.agents import TEXT_REPAIRS

    before = TEXT_REPAIRS.lone_surrogates
    agents = [scripted(f"s{i}", "Yes \ud800 indeed.", "Yes \ud800 indeed.") for i in range(2)]
    with anyio.fail_after(20):
        async with team(*agents, pattern=Debate(rounds=1)) as t:
            tokens = [e.text async for e in t.stream(question="q?") if isinstance(e, Token)]
            result = await t.run(question="q?")
    assert result.output.answer == "Yes \ufffd indeed."
    assert "".join(tokens).count("\ufffd") == 2
    assert TEXT_REPAIRS.lone_surrogates - before == 4  # two agents, two runs
