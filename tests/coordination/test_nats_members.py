"""Members given by name, served by another system on a real nats-server."""

from __future__ import annotations

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.coordination import Consensus, Debate, team
from kaizen_actors.events import RunFinished, Token, Vote

from .models import scripted

pytestmark = pytest.mark.anyio


async def test_a_debate_over_nats_between_agents_served_elsewhere(nats_server) -> None:  # type: ignore[no-untyped-def]
    served = [scripted("solver1", "No", "Yes"), scripted("solver2", "Yes", "yes.")]
    async with ka.ActorSystem("natsdebate", nats_server.url) as host:
        for agent in served:
            await agent.spawn(host)
        with anyio.fail_after(10):
            async with (
                team(
                    "solver1",
                    "solver2",
                    pattern=Debate(rounds=2),
                    transport=nats_server.url,
                    namespace="natsdebate",
                ) as t,
                t.stream(question="Is 1009 prime?") as events,
            ):
                seen = [e async for e in events]
    assert [e.seq for e in seen] == list(range(len(seen)))
    assert isinstance(seen[-1], RunFinished)
    assert {e.agent for e in seen if isinstance(e, Token)} == {"solver1", "solver2"}
    result = events.result
    assert result is not None
    assert result.output.answer == "Yes" and result.details["agreed"] is True
    notes = served[0].model.calls[1][-1]["content"]  # type: ignore[attr-defined]
    assert "solver2: Yes" in notes


async def test_a_consensus_over_nats_streams_votes(nats_server) -> None:  # type: ignore[no-untyped-def]
    served = [scripted(f"v{i}", "Canberra") for i in range(3)]
    async with ka.ActorSystem("natsvote", nats_server.url) as host:
        for agent in served:
            await agent.spawn(host)
        with anyio.fail_after(10):
            async with (
                team(
                    "v0",
                    "v1",
                    "v2",
                    pattern=Consensus(),
                    transport=nats_server.url,
                    namespace="natsvote",
                ) as t,
                t.stream(question="Capital of Australia?") as events,
            ):
                votes = [e.choice async for e in events if isinstance(e, Vote)]
    assert votes == ["canberra"] * 3
    assert events.result is not None and events.result.agreement == 1.0
