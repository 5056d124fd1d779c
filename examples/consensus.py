"""Five voters answer independently; the run ends when one answer has a quorum.

    python examples/consensus.py                      # offline, scripted replies
    python examples/consensus.py --model openai/gpt-4o-mini

Votes stream as they arrive; a round without a quorum shows everyone the tally.
"""

from __future__ import annotations

import argparse

import anyio

import kaizen_actors as ka
from kaizen_actors.events import RoundStarted, Vote

# Round 1 splits the vote; round 2 (after seeing the tally) mostly converges.
SCRIPTS = {
    "v1": ("Canberra", "Canberra"),
    "v2": ("Sydney", "Canberra"),
    "v3": ("canberra.", "Canberra"),
    "v4": ("Melbourne", "Canberra"),
    "v5": ("Sydney", "Sydney"),
}


def scripted(first: str, then: str) -> ka.ScriptedModel:
    def respond(messages: list[dict[str, str]]) -> str:
        return then if "Votes in round" in messages[-1]["content"] else first

    return ka.ScriptedModel(respond=respond)


async def main(model: str | None) -> None:
    voters = [
        ka.Agent(name, signature="question -> city", model=model or scripted(*script))
        for name, script in SCRIPTS.items()
    ]
    async with (
        ka.team(*voters, pattern=ka.Consensus(quorum=0.6, max_rounds=3)) as team,
        team.stream(question="What is the capital of Australia?") as events,
    ):
        async for event in events:
            if isinstance(event, RoundStarted):
                print(f"--- round {event.round} ---")
            elif isinstance(event, Vote):
                print(f"{event.agent} votes {event.choice!r}")
    result = events.result
    if result is None:
        raise SystemExit(f"the vote failed: {events.error}")
    reached = "reached" if result.details["reached"] else "NOT reached"
    print(f"winner: {result.output.city} ({reached} in round {result.details['rounds']})")
    print(f"tally: {result.tally}, agreement: {result.agreement:.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a litellm model; offline when omitted")
    anyio.run(main, parser.parse_args().model, backend="asyncio")
