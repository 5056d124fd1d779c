"""The turn machinery of a run: one attempt of an agent turn, its record, its budget.

:meth:`Run.turn <kaizen_actors.coordination.Run.turn>` retries through
:class:`TurnRunner.attempt`: it asks the agent's actor for the turn (an
``AgentTask``), forwards the turn's events to the run's sink, counts streamed
tokens against the budget, and records the turn in the transcript, failed
or not. Whether a failed attempt is retried is :func:`retryable`'s call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from ..events import Token, Usage
from ..messages import (
    ActorCrashed,
    ActorStopped,
    AskTimeout,
    BudgetExceeded,
    KaizenError,
    error_type_name,
)
from ._result import Turn

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..events import Event
    from ._budget import BudgetMeter
    from ._members import Member
    from ._run import Sink

__all__ = ["TurnFailed", "TurnRunner", "retryable"]


class TurnFailed(Exception):
    """Internal: a turn attempt failed; ``turn`` records it, ``retry`` says if it may be retried."""

    def __init__(self, turn: Turn, retry: bool) -> None:
        super().__init__(turn.error)
        self.turn = turn
        self.retry = retry


class TurnRunner:
    """Runs the attempts of one run's turns.

    Attributes:
        run_id: the run's id, on each turn's task.
        meter: the run's budget meter.
        sink: where turn events go (``None``: nobody streams the run).
        timeout: seconds one turn may take.
        transcript: the run's transcript, appended to by every attempt.
        fail: stops the run with an error (a crossed budget).
        closed: set when the run ended; late events of cancelled turns are dropped.

    """

    __slots__ = ("closed", "fail", "meter", "run_id", "sink", "timeout", "transcript")

    def __init__(
        self,
        *,
        run_id: str,
        meter: BudgetMeter,
        sink: Sink | None,
        timeout: float,
        transcript: list[Turn],
        fail: Callable[[BaseException], None],
    ) -> None:
        self.run_id = run_id
        self.meter = meter
        self.sink = sink
        self.timeout = timeout
        self.transcript = transcript
        self.fail = fail
        self.closed = False

    async def attempt(
        self, member: Member, inputs: dict[str, Any], round: int, notes: list[str], attempt: int
    ) -> Turn:
        from ..agents import AgentTask

        meter = self.meter
        refused = meter.admit()
        if refused is not None:
            self.fail(refused)
            raise refused
        streamed = 0
        sink = self.sink

        async def on_event(event: Event) -> None:
            nonlocal streamed
            if self.closed:
                return
            if type(event) is Token:
                streamed += 1
                crossed = meter.streamed_token()
                if crossed is not None:
                    self.fail(crossed)
                    return
            if sink is not None:
                await sink(event)

        task = AgentTask(
            inputs=inputs, run_id=self.run_id, round=round, notes=notes, numbered=False
        )
        seconds = self.timeout
        error: BaseException | None = None
        reply: Any = None
        # A run nobody streams and without a token limit needs no events at all.
        listener = on_event if sink is not None or meter.counts_tokens else None
        try:
            with anyio.move_on_after(seconds) as deadline:
                try:
                    reply = await member.ref.ask(task, timeout=seconds + 1.0, on_event=listener)
                except KaizenError as exc:  # crashed, not found, stopped, timed out, transport
                    error = exc
        except BaseException:
            # Cancelled from outside (a sibling failed, the run stopped): the turn
            # still gives back its budget slot and counts what it streamed.
            meter.finished(_streamed_usage(streamed), streamed)
            raise
        if deadline.cancelled_caught:
            error = AskTimeout(f"agent {member.name!r} gave no reply within {seconds:g} s")
        described = None if error is None else _describe(error)
        record, crossed = self._record(
            member, inputs, round, notes, attempt, reply, streamed, described
        )
        if crossed is not None:
            self.fail(crossed)
            raise crossed
        if error is not None:
            failed = TurnFailed(record, attempt == 1 and retryable(error))
            raise failed from error
        return record

    def _record(
        self,
        member: Member,
        inputs: dict[str, Any],
        round: int,
        notes: list[str],
        attempt: int,
        reply: Any,
        streamed: int,
        error: str | None,
    ) -> tuple[Turn, BudgetExceeded | None]:
        """Add a turn to the transcript and the budget; return it and any limit it crossed."""
        if error is None:
            output = reply.output if hasattr(reply, "output") else {"output": reply}
            usage = getattr(reply, "usage", None) or Usage()
        else:
            output = {}
            usage = _streamed_usage(streamed)
        record = Turn(
            agent=member.name,
            round=round,
            inputs=inputs,
            notes=notes,
            output=output,
            usage=usage,
            attempt=attempt,
            error=error,
        )
        self.transcript.append(record)
        return record, self.meter.finished(usage, streamed)


def _streamed_usage(streamed: int) -> Usage:
    """A failed turn lost its usage: count what streamed as an estimate."""
    return Usage(completion_tokens=streamed, calls=1 if streamed else 0)


def _describe(error: BaseException) -> str:
    if isinstance(error, ActorCrashed):
        return f"{error.error_type}: {error.error_message}"
    return f"{error_type_name(error)}: {error}"


def retryable(error: BaseException) -> bool:
    """Whether a failed turn may be tried again.

    It may when its agent crashed on an error that says so
    (``ActorCrashed.retryable``), or was stopped or restarted while it worked.
    """
    if isinstance(error, ActorCrashed):
        return error.retryable
    return isinstance(error, ActorStopped)
