"""A custom pattern: a sequential pipeline, written against the ``ka.Pattern`` interface.

    python examples/pipeline.py                       # offline, scripted replies
    python examples/pipeline.py --model openai/gpt-4o-mini

Each stage's output becomes the next stage's input. The team gives it the
rest for free: one event stream, retries after a crash, budgets, timeouts
and cancellation.
"""

from __future__ import annotations

import argparse
from typing import Any

import anyio

import kaizen_actors as ka
from kaizen_actors.events import AgentStarted, Token


class Pipeline(ka.Pattern):
    """Run the team's agents one after another; stage n+1 gets stage n's output.

    A stage receives the previous stage's output fields as inputs (the run's
    inputs for the first stage), filtered to what its signature declares.
    """

    name = "pipeline"

    async def run(self, run: ka.coordination.Run) -> Any:
        values = dict(run.inputs)
        turn = None
        for step, member in enumerate(run.members, 1):
            await run.round(step)
            turn = await run.turn(member, {**run.inputs, **values}, round=step)
            values = turn.output
            run.details.setdefault("stages", []).append(member.name)
        return turn  # the last stage's output, typed by its signature


def scripted(reply: str) -> ka.ScriptedModel:
    return ka.ScriptedModel([reply], token_delay=0.005)


async def main(model: str | None) -> None:
    stages = [
        ka.Agent(
            "outliner",
            signature="topic -> outline",
            model=model or scripted("1. what an actor is 2. mailboxes 3. supervision"),
        ),
        ka.Agent(
            "writer",
            signature="outline -> draft",
            model=model or scripted("An actor owns its state and handles one message at a time."),
        ),
        ka.Agent(
            "editor",
            signature="draft -> article",
            model=model or scripted("Actors own their state and handle one message at a time."),
        ),
    ]
    async with (
        ka.team(*stages, pattern=Pipeline()) as team,
        team.stream(topic="actors") as events,
    ):
        async for event in events:
            if isinstance(event, AgentStarted):
                print(f"\n[{event.agent}] ", end="")
            elif isinstance(event, Token):
                print(event.text, end="", flush=True)
    result = events.result
    if result is None:
        raise SystemExit(f"the pipeline failed: {events.error}")
    print(f"\n\narticle: {result.output.article}")
    print(f"stages: {' -> '.join(result.details['stages'])}, tokens: {result.usage.total_tokens}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a litellm model; offline when omitted")
    anyio.run(main, parser.parse_args().model, backend="asyncio")
