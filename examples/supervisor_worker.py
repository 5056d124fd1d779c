"""A supervisor plans subtasks, two workers do them in parallel, the supervisor writes it up.

    python examples/supervisor_worker.py              # offline, scripted replies
    python examples/supervisor_worker.py --model openai/gpt-4o-mini

The pattern asks the supervisor's model for a plan (a JSON list of
{"worker", "task"}), runs the workers at once, retries a failing worker once
and reports a failure to the synthesis instead of failing the run.
"""

from __future__ import annotations

import argparse
import json

import anyio

import kaizen_actors as ka
from kaizen_actors.events import AgentFinished, RoundStarted

STEPS = {1: "plan", 2: "work", 3: "synthesis"}
PLAN = {
    "plan": [
        {"worker": "historian", "task": "When and where did the actor model originate?"},
        {"worker": "engineer", "task": "Name two production systems built on actors."},
    ]
}


def lead_model() -> ka.ScriptedModel:
    def respond(messages: list[dict[str, str]]) -> str:
        if "Split the task into subtasks" in messages[0]["content"]:  # the planning turn
            return json.dumps(PLAN)
        return (
            "The actor model was introduced by Hewitt, Bishop and Steiger at MIT in 1973, "
            "and it runs production systems such as Erlang/OTP telecom switches and Akka."
        )

    return ka.ScriptedModel(respond=respond, token_delay=0.005)


WORKER_REPLIES = {
    "historian": "Carl Hewitt, Peter Bishop and Richard Steiger, MIT, 1973.",
    "engineer": "Ericsson's Erlang/OTP switches and services built on Akka.",
}


async def main(model: str | None) -> None:
    lead = ka.Agent("lead", signature="topic -> summary", model=model or lead_model())
    workers = [
        ka.Agent(name, signature="task -> answer", model=model or ka.ScriptedModel([reply]))
        for name, reply in WORKER_REPLIES.items()
    ]
    pattern = ka.SupervisorWorker(supervisor=lead, workers=workers)
    async with (
        ka.team(pattern=pattern, budget=ka.Budget(max_calls=10)) as team,
        team.stream(topic="the actor model") as events,
    ):
        async for event in events:
            if isinstance(event, RoundStarted):
                print(f"--- {STEPS[event.round]} ---")
            elif isinstance(event, AgentFinished):
                print(f"{event.agent}: {json.dumps(event.output)}")
    result = events.result
    if result is None:
        raise SystemExit(f"the run failed: {events.error}")
    print(f"summary: {result.output.summary}")
    print(f"calls: {result.usage.calls}, failures: {result.details['failures']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a litellm model; offline when omitted")
    anyio.run(main, parser.parse_args().model, backend="asyncio")
