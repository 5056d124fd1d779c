"""``Debate``: agents answer in parallel, then revise after seeing each other's answers."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ..agents.signatures._prompt import value_text
from ..messages import ConfigError
from ._members import as_member, member_name
from ._normalise import majority
from ._pattern import Pattern

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._members import Member, MemberSpec
    from ._normalise import Key
    from ._result import Turn
    from ._run import Run

__all__ = ["Debate", "answer_text"]


def answer_text(output: dict[str, Any]) -> str:
    """How an answer is shown to other agents: the field's text, or JSON for several fields."""
    if len(output) == 1:
        (value,) = output.values()
        return value_text(value)
    return value_text(output)


class Debate(Pattern):
    """Agents answer in parallel, then revise their answers after seeing the others'.

    Round 1: every debater answers the run's inputs, all at once. Each later
    round: every debater is shown the other debaters' latest answers (and
    its own) in its prompt's notes and asked to revise, all at once. After a
    round in which all answers agree (compared after normalisation: see
    below) the debate stops early when ``stop_on_agreement``.

    The output: with a ``judge``, the judge's turn after the last round (its
    round is the last round + 1; it gets the run's inputs its signature
    declares and every debater's final answer in its notes). Without one,
    the majority answer of the last round; **ties go to the answer given
    first in agent order** (the order of ``team()``), and the output is the
    full output of the first debater (in agent order) who gave it.

    Answers are compared on ``key``: by default the only output field, or
    the whole output for multi-field signatures; a field name; or a function
    of the output (a ``Prediction``, or a dict for agents given by name).
    Text is stripped, case-folded, whitespace collapsed and a final ``.``
    or ``!`` dropped before comparing.

    The debaters are the team's agents except the judge.
    ``TeamResult.details`` holds ``rounds`` (rounds played), ``agreed``,
    ``answers`` (each debater's last output), ``tally`` and ``agreement``
    (the winner's share of the last round).

    Args:
        rounds: rounds in all, the first answers included (``2``: answer,
            then one revision).
        judge: an ``Agent`` (or name) that picks the final output.
        stop_on_agreement: end early once every debater gives the same answer.
        key: what answers are compared on (see above).

    Raises:
        ConfigError: when ``rounds`` < 1, or (at team start) there is no
            debater besides the judge.

    Version added: 0.1

    """

    name = "debate"

    def __init__(
        self,
        rounds: int = 2,
        judge: MemberSpec | None = None,
        stop_on_agreement: bool = True,
        *,
        key: Key = None,
    ) -> None:
        if not isinstance(rounds, int) or rounds < 1:
            raise ConfigError(f"Debate rounds must be an int >= 1, got {rounds!r}", key="rounds")
        self.rounds = rounds
        self.judge = as_member(judge) if judge is not None else None
        self.judge_name = member_name(judge) if judge is not None else None
        self.stop_on_agreement = stop_on_agreement
        self.key = key

    def agents(self) -> Sequence[MemberSpec]:
        """The judge, when there is one."""
        return [self.judge] if self.judge is not None else []

    def result(self, members: Sequence[MemberSpec]) -> MemberSpec:
        """The judge when there is one (its output is the run's), else the first debater."""
        return self.judge if self.judge is not None else members[0]

    def debaters(self, members: Sequence[Member]) -> list[Member]:
        """The members that debate: all but the judge."""
        return [m for m in members if m.name != self.judge_name]

    def check(self, members: Sequence[Member]) -> None:
        """Require at least one debater besides the judge.

        Raises:
            ConfigError: when there is none.

        """
        if not self.debaters(members):
            raise ConfigError("Debate needs at least one debating agent", key="agents")

    async def run(self, run: Run) -> Turn:
        """Play the rounds and return the judge's or the majority's turn."""
        debaters = self.debaters(run.members)
        latest: dict[str, Turn] = {}
        turns: list[Turn] = []
        choices: list[str] = []
        played = 0
        for number in range(1, self.rounds + 1):
            await run.round(number)
            notes = [self._notes(m, debaters, latest, number) for m in debaters]
            turns = await run.parallel(
                [
                    partial(run.turn, m, run.inputs, round=number, notes=n)
                    for m, n in zip(debaters, notes, strict=True)
                ]
            )
            latest = {t.agent: t for t in turns}
            choices = [run.choice(t, self.key) for t in turns]
            played = number
            if self.stop_on_agreement and len(set(choices)) == 1:
                break
        winner, tally, first = majority(choices)
        run.details.update(
            rounds=played,
            agreed=len(tally) == 1,
            answers={t.agent: t.output for t in turns},
            tally=tally,
            agreement=tally[winner] / len(choices),
        )
        if self.judge_name is None:
            return turns[first]
        judge = run.member(self.judge_name)
        await run.round(played + 1)
        listing = "\n\n".join(f"{t.agent}: {answer_text(t.output)}" for t in turns)
        note = (
            f"The debaters' final answers after {played} round{'s' if played > 1 else ''}:"
            f"\n\n{listing}\n\nJudge them and give the best final answer."
        )
        return await run.turn(judge, run.inputs, round=played + 1, notes=[note])

    @staticmethod
    def _notes(
        me: Member, debaters: Sequence[Member], latest: dict[str, Turn], number: int
    ) -> list[str]:
        if not latest:
            return []
        others = [
            f"{m.name}: {answer_text(latest[m.name].output)}"
            for m in debaters
            if m.name != me.name and m.name in latest
        ]
        own = latest.get(me.name)
        parts = [f"Round {number} of a debate. The other agents' latest answers:"]
        parts.append("\n\n".join(others) if others else "(none)")
        if own is not None:
            parts.append(f"Your previous answer: {answer_text(own.output)}")
        parts.append(
            "Consider their reasoning and give your revised answer "
            "(keep yours if you still think it is right)."
        )
        return ["\n\n".join(parts)]
