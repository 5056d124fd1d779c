"""An agent's memory lives where the agent is served: over NATS only turns travel."""

from __future__ import annotations

import pytest

import kaizen_actors as ka

pytestmark = pytest.mark.anyio


async def test_a_served_agent_remembers_turns_asked_over_nats(nats_server) -> None:
    model = ka.ScriptedModel(respond=lambda messages: f"reply {len(messages)}")
    memory = ka.BufferMemory()
    agent = ka.Agent("chat", signature="question -> answer", model=model, memory=memory)
    async with (
        ka.ActorSystem("memo", nats_server.url) as host,
        ka.ActorSystem("memo", nats_server.url) as client,
    ):
        await agent.spawn(host, name="chat")
        ref = client.ref("chat")
        for question in ("my name is Ada", "what is my name?"):
            await ref.ask(ka.AgentTask(inputs={"question": question}), timeout=30)
    assert len(memory) == 2
    assert {"role": "user", "content": "question: my name is Ada"} in model.calls[1]
