from __future__ import annotations

import pytest

import kaizen_actors as ka
from kaizen_actors.coordination import Consensus, team
from kaizen_actors.events import Vote

from .models import responder, scripted, user_text

pytestmark = pytest.mark.anyio


async def test_a_choice_above_the_quorum_ends_the_run_in_round_one() -> None:
    voters = [scripted("a", "Yes"), scripted("b", "yes!"), scripted("c", "no")]
    async with (
        team(*voters, pattern=Consensus(quorum=0.5)) as t,
        t.stream(question="Is 1009 prime?") as events,
    ):
        votes = [e async for e in events if isinstance(e, Vote)]
    result = events.result
    assert result is not None
    assert result.output.answer == "Yes"
    assert result.tally == {"yes": 2, "no": 1}
    assert result.agreement == pytest.approx(2 / 3)
    assert result.details["reached"] is True and result.details["rounds"] == 1
    assert sorted((v.agent, v.round, v.choice) for v in votes) == [
        ("a", 1, "yes"),
        ("b", 1, "yes"),
        ("c", 1, "no"),
    ]


async def test_without_a_quorum_the_next_round_shows_the_tally() -> None:
    prompts: list[str] = []

    def flip(messages: list[dict[str, str]]) -> str:
        prompts.append(user_text(messages))
        return "blue" if len(prompts) == 1 else "red"

    voters = [responder("a", flip), scripted("b", "red", "red"), scripted("c", "green", "red")]
    async with (
        team(*voters, pattern=Consensus(quorum=0.5, max_rounds=3)) as t,
        t.stream(question="Pick a colour") as events,
    ):
        votes = [(e.round, e.agent, e.choice) async for e in events if isinstance(e, Vote)]
    result = events.result
    assert result is not None
    assert result.details["rounds"] == 2
    assert result.details["history"][0] == {"blue": 1, "red": 1, "green": 1}
    assert result.tally == {"red": 3} and result.agreement == 1.0
    assert "Votes in round 1" in prompts[1] and "'red': 1 of 3" in prompts[1]
    assert len(votes) == 6 and {r for r, _, _ in votes} == {1, 2}


async def test_no_quorum_after_max_rounds_finishes_with_the_plurality_unreached() -> None:
    voters = [scripted("a", "x", "x"), scripted("b", "y", "y")]
    async with team(*voters, pattern=Consensus(quorum=0.5, max_rounds=2)) as t:
        result = await t.run(question="q")
    assert result.details["reached"] is False
    assert result.output.answer == "x"  # tie: first in agent order
    assert result.agreement == 0.5


async def test_votes_compare_on_a_key_field_or_function() -> None:
    sig = "question -> answer, score: int"
    voters = [
        scripted("a", '{"answer": "A", "score": 1}', sig=sig),
        scripted("b", '{"answer": "a", "score": 7}', sig=sig),
    ]
    async with team(*voters, pattern=Consensus(key="answer")) as t:
        result = await t.run(question="q")
    assert result.tally == {"a": 2}
    voters = [
        scripted("a", '{"answer": "A", "score": 1}', sig=sig),
        scripted("b", '{"answer": "B", "score": 9}', sig=sig),
    ]
    async with team(*voters, pattern=Consensus(key=lambda out: out.score > 5, max_rounds=1)) as t:
        result = await t.run(question="q")
    assert result.tally == {"false": 1, "true": 1}


async def test_a_key_that_is_not_an_output_field_is_refused_at_start() -> None:
    with pytest.raises(ka.ConfigError, match="not an output field"):
        async with team(scripted("a", "x"), pattern=Consensus(key="verdict")):
            pass


async def test_quorum_is_a_share() -> None:
    with pytest.raises(ka.ConfigError):
        Consensus(quorum=2)
