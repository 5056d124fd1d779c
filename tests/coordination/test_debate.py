from __future__ import annotations

import pytest

import kaizen_actors as ka
from kaizen_actors.coordination import Debate, team
from kaizen_actors.events import RoundStarted

from .models import responder, scripted, user_text

pytestmark = pytest.mark.anyio


async def test_later_rounds_show_each_agent_the_others_latest_answers() -> None:
    seen: dict[str, list[str]] = {"a": [], "b": [], "c": []}

    def answer_as(name: str, first: str, then: str):  # type: ignore[no-untyped-def]
        def respond(messages: list[dict[str, str]]) -> str:
            seen[name].append(user_text(messages))
            return first if len(seen[name]) == 1 else then

        return respond

    agents = [
        responder("a", answer_as("a", "No", "Yes")),
        responder("b", answer_as("b", "Yes", "Yes")),
        responder("c", answer_as("c", "Maybe", "Yes")),
    ]
    async with team(*agents, pattern=Debate(rounds=2)) as t:
        result = await t.run(question="Is 1009 prime?")
    assert "question: Is 1009 prime?" in seen["a"][0]
    assert "other agents" not in seen["a"][0]
    second = seen["a"][1]
    assert "b: Yes" in second and "c: Maybe" in second
    assert "a: No" not in second and "Your previous answer: No" in second
    assert result.output.answer == "Yes"
    assert result.details["rounds"] == 2 and result.details["agreed"] is True


async def test_the_debate_stops_early_when_all_agree() -> None:
    agents = [scripted(n, "Yes.", "never used") for n in ("a", "b", "c")]
    async with team(*agents, pattern=Debate(rounds=3)) as t, t.stream(question="q") as events:
        rounds = [e.round async for e in events if isinstance(e, RoundStarted)]
    assert rounds == [1]
    assert events.result is not None
    assert events.result.details["rounds"] == 1
    assert len(events.result.transcript) == 3


async def test_without_stop_on_agreement_every_round_is_played() -> None:
    agents = [scripted(n, "Yes", "Yes", "Yes") for n in ("a", "b")]
    async with team(*agents, pattern=Debate(rounds=3, stop_on_agreement=False)) as t:
        result = await t.run(question="q")
    assert [turn.round for turn in result.transcript].count(3) == 2


async def test_majority_of_the_last_round_is_the_output_after_normalisation() -> None:
    agents = [
        scripted("a", "No"),
        scripted("b", "  YES\tit is "),
        scripted("c", "yes it is."),
    ]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        result = await t.run(question="q")
    assert result.output.answer == "YES\tit is"  # the first agent that gave the winning answer
    assert result.tally == {"no": 1, "yes it is": 2}
    assert result.agreement == pytest.approx(2 / 3)


async def test_a_tie_goes_to_the_answer_given_first_in_agent_order() -> None:
    agents = [
        scripted("a", "blue"),
        scripted("b", "red"),
        scripted("c", "red"),
        scripted("d", "blue"),
    ]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        result = await t.run(question="q")
    assert result.output.answer == "blue"


async def test_a_judge_picks_the_final_output_from_the_last_answers() -> None:
    notes: list[str] = []

    def judge_fn(messages: list[dict[str, str]]) -> str:
        notes.append(user_text(messages))
        return "Prime: yes"

    judge = responder("judge", judge_fn)
    agents = [scripted("a", "yes"), scripted("b", "no")]
    async with (
        team(*agents, pattern=Debate(rounds=1, judge=judge)) as t,
        t.stream(question="Is 1009 prime?") as events,
    ):
        rounds = [e.round async for e in events if isinstance(e, RoundStarted)]
    result = events.result
    assert result is not None
    assert result.output.answer == "Prime: yes"
    assert "a: yes" in notes[0] and "b: no" in notes[0]
    assert "judge" not in result.details["answers"]
    assert rounds == [1, 2]
    assert result.transcript[-1].agent == "judge" and result.transcript[-1].round == 2


async def test_multi_field_answers_are_compared_whole_or_on_a_key() -> None:
    sig = "question -> answer, reasoning"
    agents = [
        scripted("a", '{"answer": "yes", "reasoning": "it has no divisor"}', sig=sig),
        scripted("b", '{"answer": "Yes", "reasoning": "checked up to 31"}', sig=sig),
        scripted("c", '{"answer": "no", "reasoning": "guess"}', sig=sig),
    ]
    async with team(*agents, pattern=Debate(rounds=1, key="answer")) as t:
        result = await t.run(question="q")
    assert result.output.answer == "yes" and result.tally == {"yes": 2, "no": 1}


async def test_rounds_must_be_positive() -> None:
    with pytest.raises(ka.ConfigError):
        Debate(rounds=0)


async def test_a_debate_needs_a_debater_besides_the_judge() -> None:
    judge = scripted("judge", "x")
    with pytest.raises(ka.ConfigError, match="debating agent"):
        async with team(judge, pattern=Debate(judge=judge)):
            pass
