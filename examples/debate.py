"""Three agents debate a question in parallel rounds; the majority answer wins.

    python examples/debate.py                         # offline, scripted replies
    python examples/debate.py --model openai/gpt-4o-mini

Every token is printed as it streams, tagged with the agent that produced it.
"""

from __future__ import annotations

import argparse
import json

import anyio

import kaizen_actors as ka
from kaizen_actors.events import RoundStarted, RunFailed, RunFinished, Token


class Answer(ka.Signature):
    """Answer the question: `answer` is yes or no, `why` one short sentence."""

    question: str = ka.InputField()
    answer: str = ka.OutputField(desc="yes or no")
    why: str = ka.OutputField(desc="one short sentence")


def scripted(first: tuple[str, str], revised: tuple[str, str]) -> ka.ScriptedModel:
    """Replies `first` in round 1 and `revised` once it has seen the others' answers."""

    def respond(messages: list[dict[str, str]]) -> str:
        answer, why = revised if "latest answers" in messages[-1]["content"] else first
        return json.dumps({"answer": answer, "why": why})

    return ka.ScriptedModel(respond=respond, token_delay=0.01)


SCRIPTS = {
    "ana": (("yes", "No prime up to 31 divides 1009."), ("yes", "Still no divisor up to 31.")),
    "ben": (("no", "1009 = 17 x 59."), ("yes", "I was wrong: 17 x 59 is 1003.")),
    "cy": (("yes", "It is the smallest four-digit prime."), ("yes", "Agreed, it is prime.")),
}


async def main(model: str | None) -> None:
    solvers = [
        ka.Agent(name, signature=Answer, model=model or scripted(*script))
        for name, script in SCRIPTS.items()
    ]
    pattern = ka.Debate(rounds=2, key="answer")
    async with (
        ka.team(*solvers, pattern=pattern) as team,
        team.stream(question="Is 1009 prime?") as events,
    ):
        async for event in events:
            if isinstance(event, RoundStarted):
                print(f"\n--- round {event.round} ---")
            elif isinstance(event, Token):
                print(f"[{event.agent}] {event.text}")
            elif isinstance(event, RunFinished | RunFailed):
                print(f"\n{type(event).__name__} (seq {event.seq})")
    result = events.result
    if result is None:
        raise SystemExit(f"the debate failed: {events.error}")
    print(f"answer: {result.output.answer} ({result.output.why})")
    print(f"rounds: {result.details['rounds']}, tally: {result.tally}")
    print(f"tokens: {result.usage.total_tokens}, calls: {result.usage.calls}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a litellm model; offline when omitted")
    anyio.run(main, parser.parse_args().model, backend="asyncio")
