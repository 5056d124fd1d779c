"""Two agents, each served by its own process with ``kaizen-actors serve``.

Each build function returns a supervisor tree with one agent; run each in its
own process (from this folder, or with it on PYTHONPATH)::

    kaizen-actors serve services:build_ana --nats nats://127.0.0.1:4222 --name demo
    kaizen-actors serve services:build_ben --nats nats://127.0.0.1:4222 --name demo

Then ``python team.py`` debates with them by name. Offline by default: the
agents' scripted replies need no key. ``EXAMPLE_MODEL=openai/gpt-4o-mini``
in the services' environment uses a real model instead.
"""

from __future__ import annotations

import json
import os

import kaizen_actors as ka

ANSWER = ka.signature("question -> answer: str, why: str")
"""yes or no, and one short sentence why (the string form of a signature)."""

SCRIPTS = {
    "ana": [("yes", "No prime up to 31 divides 1009."), ("yes", "Still prime.")],
    "ben": [("no", "1009 = 17 x 59."), ("yes", "I was wrong: 17 x 59 = 1003.")],
}
"""Each agent's scripted answer in round 1, and once it has seen the other's."""


def agent(name: str) -> ka.Agent:
    """The agent ``name``, on ``EXAMPLE_MODEL`` if set, else on its script."""
    script = SCRIPTS[name]

    def respond(messages: list[dict[str, str]]) -> str:
        answer, why = script["latest answers" in messages[-1]["content"]]
        return json.dumps({"answer": answer, "why": f"{why} (pid {os.getpid()})"})

    model = os.environ.get("EXAMPLE_MODEL") or ka.ScriptedModel(respond=respond, token_delay=0.01)
    return ka.Agent(name, signature=ANSWER, model=model)


def serve(agent: ka.Agent) -> ka.Supervisor:
    """A tree serving ``agent`` under its name: restarted if it crashes."""
    return ka.Supervisor(children=[ka.ChildSpec(agent.factory(), name=agent.name)])


def build_ana() -> ka.Supervisor:
    return serve(agent("ana"))


def build_ben() -> ka.Supervisor:
    return serve(agent("ben"))
