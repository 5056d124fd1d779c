from __future__ import annotations

import io

import pytest
from rich.console import Console

from kaizen_actors.cli._demo_team import PATTERNS, build_scenario, run_team_demo

pytestmark = pytest.mark.anyio

EXPECTED = {
    "debate": ["euler", "bob", "gauss", "I was wrong", "agreed: True", "total"],
    "consensus": ["barbara", "vote: canberra", "canberra 4, sydney 1", "80%"],
    "supervisor": ["researcher", "verifier", "smallest four-digit prime", "plan"],
}


@pytest.mark.parametrize("pattern", PATTERNS)
async def test_the_offline_demo_shows_every_agent_then_the_result_and_usage(pattern: str) -> None:
    out = io.StringIO()
    assert await run_team_demo(pattern, Console(file=out, width=180), token_delay=0)
    text = out.getvalue()
    for expected in EXPECTED[pattern]:
        assert expected in text
    assert "result" in text and "usage" in text and "failed" not in text


def test_an_unknown_demo_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo"):
        build_scenario("chaos")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_with_a_model_the_demo_builds_the_same_agents_on_litellm(pattern: str) -> None:
    agents, chosen, _ = build_scenario(pattern, "openai/gpt-4o-mini")
    members = agents or [chosen.supervisor, *chosen.workers]  # type: ignore[attr-defined]
    assert members and all(a.model.name == "openai/gpt-4o-mini" for a in members)
