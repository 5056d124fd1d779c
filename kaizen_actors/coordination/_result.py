"""What a team run returns: ``TeamResult``, its transcript of ``Turn``s and ``TeamUsage``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ..events import Usage

if TYPE_CHECKING:
    from ..agents import Prediction

__all__ = ["TeamResult", "TeamUsage", "Turn"]


class Turn(msgspec.Struct, kw_only=True):
    """One agent turn of a team run: an entry of ``TeamResult.transcript``.

    A turn that failed (and was retried, or ended the run) is recorded too,
    with ``error`` set and an empty ``output``.

    Attributes:
        agent: the agent's name.
        round: the round (debate, consensus) or step (supervisor-worker:
            1 plan, 2 workers, 3 synthesis; pipeline: the stage) of the turn.
        inputs: the inputs the agent was given (JSON-compatible).
        notes: the extra context shown to the agent (other agents' answers,
            the tally, the workers' results).
        output: the validated output fields (JSON-compatible).
        usage: tokens, cost and model calls of the turn.
        attempt: 1 for the first try, 2 for the retry after a crash.
        error: ``"ErrorType: message"`` when the turn failed, else ``None``.

    Version added: 0.1

    """

    agent: str
    round: int = 0
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)
    notes: list[str] = msgspec.field(default_factory=list)
    output: dict[str, Any] = msgspec.field(default_factory=dict)
    usage: Usage = msgspec.field(default_factory=Usage)
    attempt: int = 1
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the turn produced an output."""
        return self.error is None


class TeamUsage(msgspec.Struct, kw_only=True):
    """Usage of a team run: per agent and in total.

    ``total_tokens``, ``prompt_tokens``, ``completion_tokens``, ``cost`` and
    ``calls`` read the total.

    Attributes:
        agents: usage by agent name, in the order the agents first took a turn.
        total: the sum over all agents.

    Version added: 0.1

    """

    agents: dict[str, Usage] = msgspec.field(default_factory=dict)
    total: Usage = msgspec.field(default_factory=Usage)

    @classmethod
    def of(cls, transcript: list[Turn]) -> TeamUsage:
        """Sum the usage of a transcript's turns."""
        agents: dict[str, Usage] = {}
        total = Usage()
        for turn in transcript:
            agents[turn.agent] = agents.get(turn.agent, Usage()) + turn.usage
            total = total + turn.usage
        return cls(agents=agents, total=total)

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens of every agent."""
        return self.total.total_tokens

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens of every agent."""
        return self.total.prompt_tokens

    @property
    def completion_tokens(self) -> int:
        """Completion tokens of every agent."""
        return self.total.completion_tokens

    @property
    def cost(self) -> float | None:
        """Total cost in US dollars; ``None`` when a provider's price was unknown."""
        return self.total.cost

    @property
    def calls(self) -> int:
        """Model calls of every agent."""
        return self.total.calls


class TeamResult:
    """The outcome of ``await team.run(**inputs)``.

    Attributes:
        output: the final output fields, typed when the agent that produced
            them is known (``result.output.answer``; ``result.output["answer"]``;
            ``.to_dict()``).
        output_dict: the final output in JSON-compatible form.
        transcript: every agent turn of the run, in the order they finished.
        usage: tokens, cost and calls, per agent and in total.
        run_id: the run's id (also on every event of the run).
        pattern: the pattern's name (``"debate"``, ``"consensus"``...).
        details: what the pattern adds: the debate's ``rounds``, ``agreed``
            and ``answers``; the consensus ``tally``, ``agreement`` and
            ``reached``; the supervisor's ``plan`` and ``failures``.

    Version added: 0.1

    """

    __slots__ = ("details", "output", "output_dict", "pattern", "run_id", "transcript", "usage")

    def __init__(
        self,
        *,
        output: Prediction,
        output_dict: dict[str, Any],
        transcript: list[Turn],
        usage: TeamUsage,
        run_id: str,
        pattern: str,
        details: dict[str, Any],
    ) -> None:
        self.output = output
        self.output_dict = output_dict
        self.transcript = transcript
        self.usage = usage
        self.run_id = run_id
        self.pattern = pattern
        self.details = details

    @property
    def tally(self) -> dict[str, int] | None:
        """Votes per normalised choice in the last round (consensus and debate)."""
        return self.details.get("tally")

    @property
    def agreement(self) -> float | None:
        """Share of the last round's votes held by the winning choice (consensus and debate)."""
        return self.details.get("agreement")

    def __repr__(self) -> str:
        return (
            f"TeamResult(pattern={self.pattern!r}, output={self.output!r}, "
            f"turns={len(self.transcript)}, total_tokens={self.usage.total_tokens}, "
            f"run_id={self.run_id!r})"
        )
