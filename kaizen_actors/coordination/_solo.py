"""``Solo``: one turn of one agent, so a lone agent runs (and is served) as a team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..messages import ConfigError
from ._pattern import Pattern

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._members import Member
    from ._result import Turn
    from ._run import Run

__all__ = ["Solo"]


class Solo(Pattern):
    """The team's one agent takes one turn with the run's inputs; its output is the run's.

    ``ka.team(agent, pattern=ka.Solo())`` gives a single agent what a team
    has: supervision (a crash is retried once), budgets, timeouts, one event
    stream. Surfaces serve a lone ``Agent`` this way.

    Raises:
        ConfigError: when the team has more than one member.

    Version added: 0.1

    """

    name = "solo"

    def check(self, members: Sequence[Member]) -> None:
        """A solo team has exactly one member."""
        if len(members) != 1:
            names = ", ".join(m.name for m in members)
            raise ConfigError(f"Solo: a solo team has one agent, got {names}", key="agents")

    async def run(self, run: Run) -> Turn:
        """One turn of the member with the run's inputs."""
        member = run.members[0]
        return await run.turn(member, member.select_inputs(run.inputs), round=1)
