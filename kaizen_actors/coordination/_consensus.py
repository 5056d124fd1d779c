"""``Consensus``: voters answer independently until one choice reaches the quorum."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ..messages import ConfigError
from ._normalise import majority
from ._pattern import Pattern

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._members import Member
    from ._normalise import Key
    from ._result import Turn
    from ._run import Run

__all__ = ["Consensus"]


class Consensus(Pattern):
    """Every agent votes independently, in parallel, until one choice reaches the quorum.

    In each round every agent answers the run's inputs at once; its vote is
    the normalised value of its output on ``key`` (see ``Debate``: stripped,
    case-folded, whitespace collapsed, a final ``.``/``!`` dropped; non-text
    values as sorted JSON), and a ``Vote`` event streams as each vote
    arrives. A choice wins when its share of the round's votes is above
    ``quorum`` (a unanimous round always wins, so ``quorum=1.0`` means
    unanimity). Otherwise the next round shows every voter the tally and
    asks it to vote again, up to ``max_rounds``.

    The output is the full output of the first voter (in agent order) who
    chose the winner. When no round reached the quorum the run still
    finishes, with the last round's most voted choice (ties: the choice
    given first in agent order) and ``details["reached"]`` false.
    ``TeamResult.tally`` and ``TeamResult.agreement`` (the winner's share)
    describe the last round; ``details`` also holds ``reached``, ``rounds``,
    ``votes`` (agent to choice, last round) and ``history`` (the tally of
    every round).

    Args:
        quorum: the share of votes (0 to 1) a choice must exceed.
        max_rounds: rounds before giving up on the quorum.
        key: what votes are compared on: ``None`` (the only output field, or
            the whole output), an output field's name, or a function of the
            output (a ``Prediction``, a dict for agents given by name).

    Raises:
        ConfigError: for a quorum outside [0, 1], ``max_rounds`` < 1, or (at
            team start) a ``key`` naming a field an agent does not output.

    Version added: 0.1

    """

    name = "consensus"

    def __init__(self, quorum: float = 0.5, max_rounds: int = 3, key: Key = None) -> None:
        if not 0 <= quorum <= 1:
            raise ConfigError(f"Consensus quorum must be in [0, 1], got {quorum!r}", key="quorum")
        if not isinstance(max_rounds, int) or max_rounds < 1:
            raise ConfigError(
                f"Consensus max_rounds must be an int >= 1, got {max_rounds!r}", key="max_rounds"
            )
        self.quorum = quorum
        self.max_rounds = max_rounds
        self.key = key

    def check(self, members: Sequence[Member]) -> None:
        """Require voters, and a ``key`` field every known signature outputs.

        Raises:
            ConfigError: when there is no voter or the key field is missing.

        """
        if not members:
            raise ConfigError("Consensus needs at least one voting agent", key="agents")
        if isinstance(self.key, str):
            for member in members:
                fields = member.output_fields
                if fields is not None and self.key not in fields:
                    raise ConfigError(
                        f"Consensus key {self.key!r} is not an output field of agent "
                        f"{member.name!r} (its fields: {list(fields)})",
                        key="key",
                    )

    def wins(self, votes: int, voters: int) -> bool:
        """Whether ``votes`` of ``voters`` reach the quorum."""
        return votes == voters or votes / voters > self.quorum

    async def run(self, run: Run) -> Turn:
        """Hold voting rounds until a choice reaches the quorum; return its first voter's turn."""
        voters = run.members
        notes: list[str] = []
        history: list[dict[str, int]] = []
        turns: list[Turn] = []
        choices: list[str] = []
        reached = False
        for number in range(1, self.max_rounds + 1):
            await run.round(number)

            async def vote(member: Member, number: int = number, notes: list[str] = notes) -> Any:
                turn = await run.turn(member, run.inputs, round=number, notes=notes)
                choice = run.choice(turn, self.key)
                await run.vote(member.name, number, choice)
                return turn, choice

            results = await run.parallel([partial(vote, m) for m in voters])
            turns = [turn for turn, _ in results]
            choices = [choice for _, choice in results]
            winner, tally, first = majority(choices)
            history.append(tally)
            if self.wins(tally[winner], len(choices)):
                reached = True
                break
            notes = [self._tally_note(number, tally, len(choices))]
        run.details.update(
            tally=tally,
            agreement=tally[winner] / len(choices),
            reached=reached,
            rounds=len(history),
            votes={t.agent: c for t, c in zip(turns, choices, strict=True)},
            history=history,
        )
        return turns[first]

    def _tally_note(self, number: int, tally: dict[str, int], voters: int) -> str:
        lines = "\n".join(
            f"- {choice!r}: {count} of {voters}"
            for choice, count in sorted(tally.items(), key=lambda kv: -kv[1])
        )
        return (
            f"Votes in round {number}:\n{lines}\n\nNo answer has more than "
            f"{self.quorum:.0%} of the votes yet. Reconsider the question and vote again."
        )
