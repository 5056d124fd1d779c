"""Teams the MCP tests serve, in process and as ``kaizen-actors mcp tests.mcp_server.teams:served``.

Loading this module prints a line and logs a warning on purpose: over stdio
both must reach stderr, never the protocol's stdout.
"""

from __future__ import annotations

import logging
from typing import Any

import kaizen_actors as ka
from kaizen_actors.cli._demo_team import build_scenario

print("tests.mcp_server.teams: loading the test teams")
logging.getLogger("tests.mcp_server").warning("a warning while loading the test teams")

LONG = " ".join(["word"] * 400)  # 20 s at 0.05 s a token: long enough to be cancelled


class Ask(ka.Signature):
    """Answer the question in one sentence."""

    question: str = ka.InputField(desc="the question to answer")
    answer: str = ka.OutputField(desc="the answer, one sentence")


def _slow_reply(messages: list[dict[str, str]]) -> str:
    return LONG if "long" in messages[-1]["content"] else "A short answer."


def solo(delay: float = 0.0) -> ka.Agent:
    """One agent that answers ``"Yes, 1009 is prime."``, a token every ``delay`` seconds."""
    model = ka.ScriptedModel(respond=lambda _: "Yes, 1009 is prime.", token_delay=delay)
    return ka.Agent("solo", signature=Ask, model=model)


def slow() -> ka.Agent:
    """One agent that streams 400 tokens (20 s) for a question with "long" in it, else 3."""
    return ka.Agent(
        "slow", signature=Ask, model=ka.ScriptedModel(respond=_slow_reply, token_delay=0.05)
    )


def broken() -> ka.Agent:
    """One agent whose model has no reply left: every run fails."""
    return ka.Agent("broken", signature=Ask, model=ka.ScriptedModel([]))


def debate(delay: float = 0.002) -> ka.Team:
    """The offline demo debate (three scripted solvers)."""
    agents, pattern, _ = build_scenario("debate", token_delay=delay)
    return ka.team(*agents, pattern=pattern, name="debate")


def served() -> dict[str, Any]:
    """What the stdio tests serve: a solo agent, a slow one, a broken one and a debate."""
    return {"solo": solo(), "slow": slow(), "broken": broken(), "debate": debate()}
