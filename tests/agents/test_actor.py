"""Agents inside an ActorSystem: AgentTask in, events out, AgentReply back."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import (
    Agent,
    AgentActor,
    AgentInfo,
    AgentReply,
    AgentTask,
    Describe,
    ScriptedModel,
)
from kaizen_actors.events import AgentFinished, AgentStarted, Token

pytestmark = pytest.mark.anyio


async def test_an_agent_actor_answers_a_task_and_forwards_its_events() -> None:
    agent = Agent(
        "solver",
        signature="question -> answer: str, confidence: float",
        model=ScriptedModel(['{"answer": "Yes", "confidence": 0.9}']),
    )
    events: list[Any] = []

    async def collect(event: Any) -> None:
        events.append(event)

    async with ka.ActorSystem() as system:
        ref = await agent.spawn(system)
        reply = await ref.ask(
            AgentTask(inputs={"question": "Is 1009 prime?"}, run_id="run-1", round=1),
            timeout=10,
            on_event=collect,
        )
    assert isinstance(reply, AgentReply)
    assert reply.output == {"answer": "Yes", "confidence": 0.9}
    assert reply.usage.calls == 1
    assert reply.run_id == "run-1" and reply.agent == "solver"
    assert isinstance(events[0], AgentStarted) and isinstance(events[-1], AgentFinished)
    assert [e.seq for e in events] == list(range(len(events)))
    assert {e.run_id for e in events} == {"run-1"}
    assert events[0].round == 1
    assert "".join(e.text for e in events if isinstance(e, Token) and e.field == "answer") == "Yes"


async def test_the_factory_makes_fresh_actors_sharing_the_agent() -> None:
    agent = Agent("solver", signature="question -> answer", model=ScriptedModel())
    make = agent.factory()
    first, second = make(), make()
    assert isinstance(first, AgentActor) and first is not second
    assert first.agent is second.agent is agent


async def test_a_failing_turn_crashes_the_ask_naming_the_error() -> None:
    agent = Agent(
        "solver", signature="question -> answer: int", model=ScriptedModel(["a", "b", "c"])
    )
    async with ka.ActorSystem() as system:
        ref = await agent.spawn(system)
        with pytest.raises(ka.ActorCrashed) as info:
            await ref.ask(AgentTask(inputs={"question": "q"}), timeout=10)
    assert "OutputParseError" in info.value.error_type


async def test_cancelling_the_ask_stops_the_model_stream() -> None:
    closed = anyio.Event()

    class Slow:
        name = "slow"

        async def stream(self, messages: Any, meter: Any) -> Any:
            try:
                for i in range(1000):
                    yield f" w{i}"
                    await anyio.sleep(60)  # closes in time only if the cancel reaches it
            finally:
                closed.set()

    agent = Agent("slow", signature="topic -> text", model=Slow())
    tokens: list[Any] = []
    async with ka.ActorSystem() as system:
        ref = await agent.spawn(system)
        with anyio.CancelScope() as scope:

            async def on_event(event: Any) -> None:
                if isinstance(event, Token):
                    tokens.append(event)
                    scope.cancel()

            await ref.ask(AgentTask(inputs={"topic": "t"}), timeout=30, on_event=on_event)
        with anyio.fail_after(10):
            await closed.wait()
    assert len(tokens) == 1


async def test_an_agent_actor_describes_its_signature_to_a_describe_message() -> None:
    agent = Agent(
        "solver",
        signature="question, context: str | None -> answer: str, confidence: float",
        model=ScriptedModel(["{}"]),
    )
    async with ka.ActorSystem() as system:
        info = await (await agent.spawn(system)).ask(Describe())
    assert isinstance(info, AgentInfo) and info.agent == "solver"
    assert [(f.name, f.type, f.required) for f in info.inputs] == [
        ("question", "str", True),
        ("context", "str or null", False),
    ]
    assert [f.name for f in info.outputs] == ["answer", "confidence"]
    assert ka.decode(ka.encode(info)) == info  # it crosses the wire
