"""``ka.Solo``: one agent as a team; a team's name and entry agent (what surfaces serve)."""

from __future__ import annotations

import pytest

import kaizen_actors as ka
from kaizen_actors.events import AgentFinished, RunFinished

from .models import scripted

pytestmark = pytest.mark.anyio


async def test_a_solo_team_runs_one_turn_of_its_agent() -> None:
    async with ka.team(scripted("one", "Yes.", "Yes."), pattern=ka.Solo()) as team:
        result = await team.run(question="Is 1009 prime?")
        async with team.stream(question="again?") as events:
            kinds = [type(e) async for e in events]
    assert result.output.answer == "Yes." and len(result.transcript) == 1
    assert kinds.count(AgentFinished) == 1 and kinds[-1] is RunFinished


async def test_a_solo_team_of_two_agents_is_refused() -> None:
    with pytest.raises(ka.ConfigError, match="one agent"):
        async with ka.team(scripted("a"), scripted("b"), pattern=ka.Solo()):
            pass


def test_a_team_is_named_team_unless_named_and_its_entry_is_its_first_member() -> None:
    a, b = scripted("a"), scripted("b")
    assert ka.team(a, b, pattern=ka.Debate()).name == "team"
    named = ka.team(a, b, pattern=ka.Debate(judge=scripted("judge")), name="panel")
    assert named.name == "panel" and named.entry is a
    assert named.member_names() == ["a", "b", "judge"]
    lead = scripted("lead", sig="task -> note")
    workers = ka.team(pattern=ka.SupervisorWorker(lead, [scripted("w", sig="task -> result")]))
    assert workers.entry is lead


def test_a_bad_team_name_is_a_config_error() -> None:
    with pytest.raises(ka.ConfigError) as caught:
        ka.team(scripted("a"), pattern=ka.Solo(), name="")
    assert caught.value.key == "name"
