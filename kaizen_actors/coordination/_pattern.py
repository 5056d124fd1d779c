"""``Pattern``: the small interface every coordination pattern implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..agents import Agent, Prediction
    from ._members import Member, MemberSpec
    from ._result import Turn
    from ._run import Run

__all__ = ["Pattern"]


class Pattern:
    """Base class of coordination patterns (``Debate``, ``Consensus``, ``SupervisorWorker``...).

    A pattern decides which agent takes which turn when; the team does the
    rest (spawning, events, budgets, retries, cancellation). Implement:

    - ``name``: a class attribute, put on ``RunStarted.pattern``.
    - ``async def run(self, run) -> Turn | dict | Prediction``: drive one run
      with the :class:`Run` it gets (``run.inputs``, ``run.members``,
      ``await run.turn(member, inputs, round=, notes=)``,
      ``await run.parallel([...])``, ``await run.round(n)``,
      ``await run.vote(...)``, ``run.details``) and return the final output:
      a ``Turn`` (its output, typed by that agent's signature), a dict of
      JSON-compatible fields, or a ``Prediction``. Raise to fail the run.

    Optionally:

    - ``agents()``: members the pattern brings besides those given to
      ``team()`` (a judge, a supervisor, workers); the team spawns them too.
    - ``helpers()``: internal agents by actor name (the supervisor-worker
      planner), spawned with the team, reached with ``run.helper(name)``.
    - ``entry(members)``: the member whose signature's inputs are the
      team's inputs (surfaces check inputs and draw forms from it); the
      first by default; ``result(members)``: the member whose output fields
      are the run's (the entry by default; a ``Debate``'s judge).
    - ``check(members)``: called once when the team starts, with the members
      in order; raise ``ka.ConfigError`` when they do not fit the pattern.

    A pattern object holds configuration only, never per-run state: several
    runs of one team may use it at the same time.

    Version added: 0.1
    """

    name: ClassVar[str] = "custom"

    def agents(self) -> Sequence[MemberSpec]:
        """Members this pattern adds to the team (``Agent``s or names); none by default."""
        return ()

    def helpers(self) -> dict[str, Agent]:
        """Internal agents to spawn with the team, by actor name; none by default."""
        return {}

    def entry(self, members: Sequence[MemberSpec]) -> MemberSpec:
        """The member whose signature's inputs are the team's inputs; the first by default."""
        return members[0]

    def result(self, members: Sequence[MemberSpec]) -> MemberSpec:
        """The member whose output fields a run's result has; the entry member by default."""
        return self.entry(members)

    def check(self, members: Sequence[Member]) -> None:
        """Check the team's members when the team starts.

        Raises:
            ConfigError: when the members do not fit the pattern.

        """

    async def run(self, run: Run) -> Turn | dict[str, Any] | Prediction:
        """Drive one run and return its final output.

        Raises:
            NotImplementedError: unless a subclass implements it.

        """
        raise NotImplementedError(f"{type(self).__name__} must implement async run(run)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
