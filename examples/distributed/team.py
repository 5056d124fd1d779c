"""The "team": a third process that uses the served agents by name over NATS.

    python team.py --nats nats://127.0.0.1:4222 --name demo "What is NATS?"

It asks ``researcher`` then ``writer`` (served by other processes), prints
their streamed tokens as they arrive, then the final article.
"""

from __future__ import annotations

import argparse
import sys
import uuid

import anyio
from services import Draft, Question

import kaizen_actors as ka


async def main(url: str, namespace: str, question: str) -> int:
    async with ka.ActorSystem(namespace, transport=url) as system:
        run_id = uuid.uuid4().hex[:8]

        async def show(event: ka.events.Token) -> None:
            print(f"[{event.agent} #{event.seq}] {event.text}", flush=True)

        notes = await system.ref("researcher").ask(
            Question(question, run_id), timeout=10, on_event=show
        )
        article = await system.ref("writer").ask(Draft(notes, run_id), timeout=10, on_event=show)
        print(f"RESULT: {article}", flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("question", nargs="?", default="What is NATS?")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--name", default="demo")
    args = parser.parse_args()
    sys.exit(anyio.run(main, args.nats, args.name, args.question))
