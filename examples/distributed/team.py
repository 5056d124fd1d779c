"""The team: a third process that debates with the served agents by name over NATS.

    python team.py --nats nats://127.0.0.1:4222 --name demo "Is 1009 prime?"

``ana`` and ``ben`` run in other processes (``services.py``); this process
only names them. Their tokens cross the network into one stream, printed as
they arrive, then the result.
"""

from __future__ import annotations

import argparse
import sys

import anyio

import kaizen_actors as ka
from kaizen_actors.events import AgentFinished, RoundStarted, RunFinished, Token


async def main(url: str, namespace: str, question: str) -> int:
    pattern = ka.Debate(rounds=2, key="answer")
    async with (
        ka.team("ana", "ben", pattern=pattern, transport=url, namespace=namespace) as team,
        team.stream(question=question) as events,
    ):
        async for event in events:
            if isinstance(event, RoundStarted):
                print(f"--- round {event.round} ---", flush=True)
            elif isinstance(event, Token):
                print(f"[{event.agent}] {event.field}: {event.text}", flush=True)
            elif isinstance(event, AgentFinished):
                print(f"{event.agent} says {event.output['answer']}: {event.output['why']}")
            elif isinstance(event, RunFinished):
                print(f"RESULT: {event.output['answer']} ({event.usage.calls} calls)", flush=True)
    return 0 if events.error is None else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("question", nargs="?", default="Is 1009 prime?")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--name", default="demo")
    args = parser.parse_args()
    sys.exit(anyio.run(main, args.nats, args.name, args.question))
