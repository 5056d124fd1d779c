"""``Run``: one run of a team, as its pattern sees it (turns, rounds, events, budget).

A pattern's ``run(run)`` drives the run through this object: ``run.turn()``
asks one agent for one turn (retrying once after a crash, enforcing the
budget, forwarding the turn's events), ``run.parallel()`` runs turns at the
same time, ``run.round()`` and ``run.vote()`` emit their events. The run
itself (``execute``) emits ``RunStarted`` first and ``RunFinished`` or
``RunFailed`` last, and turns failures, deadlines and budgets into them.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ..actors._middleware import run_wrapped
from ..events import RoundStarted, RunFailed, RunFinished, RunStarted, Vote
from ..messages import (
    ActorCrashed,
    AskTimeout,
    BudgetExceeded,
    KaizenError,
    RunError,
    RunTimeout,
    error_type_name,
)
from ._attempt import TurnFailed, TurnRunner
from ._budget import BudgetMeter
from ._call import RunCall
from ._normalise import choice_of
from ._result import TeamResult, TeamUsage, Turn

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ..actors import ActorSystem
    from ..agents import Prediction
    from ..events import Event
    from ._budget import Budget
    from ._members import Member
    from ._normalise import Key
    from ._pattern import Pattern

__all__ = ["Run", "Sink"]

Sink = Callable[["Event"], Awaitable[None]]
"""Where a run's events go: awaited with each (a stream's buffer)."""


def _jsonable(value: Any) -> Any:
    def fallback(obj: Any) -> Any:
        dump = getattr(obj, "model_dump", None)
        return dump(mode="json") if callable(dump) else str(obj)

    try:
        return msgspec.to_builtins(value, enc_hook=fallback, str_keys=True)
    except (TypeError, ValueError):
        return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else str(value)


def _first_error(group: BaseException) -> BaseException | None:
    """The first exception in a (nested) group that is not a cancellation."""
    cancelled = anyio.get_cancelled_exc_class()
    if isinstance(group, BaseExceptionGroup):
        for exc in group.exceptions:
            found = _first_error(exc)
            if found is not None:
                return found
        return None
    return None if isinstance(group, cancelled) else group


class Run:
    """One run of a team: what a pattern's ``run()`` works with.

    Attributes:
        run_id: the run's id (:func:`~kaizen_actors.events.new_run_id`), on every event of it.
        inputs: the run's inputs (``team.run(**inputs)``).
        members: the team's members in order (agents given to ``team()``
            first, then those the pattern brings: a judge, a supervisor...).
        transcript: the turns so far, in the order they finished.
        details: what the pattern wants on ``TeamResult.details``.
        pattern: the pattern running.

    Version added: 0.1

    """

    def __init__(
        self,
        *,
        run_id: str,
        pattern: Pattern,
        inputs: dict[str, Any],
        members: Sequence[Member],
        helpers: dict[str, Member],
        budget: Budget | None,
        timeout: float | None,
        turn_timeout: float,
        sink: Sink | None,
        team: str = "team",
        system: ActorSystem | None = None,
    ) -> None:
        self.run_id = run_id
        self.team = team
        self._system = system
        self.pattern = pattern
        self.inputs = inputs
        self.members = list(members)
        self.transcript: list[Turn] = []
        self.details: dict[str, Any] = {}
        self._by_name = {m.name: m for m in self.members}
        self._helpers = helpers
        self._budget = budget
        self._meter = BudgetMeter(budget)
        self._timeout = timeout
        self._turn_timeout = turn_timeout
        self._sink = sink
        self._turns = TurnRunner(
            run_id=run_id,
            meter=self._meter,
            sink=sink,
            timeout=turn_timeout,
            transcript=self.transcript,
            fail=self.fail,
        )
        self._failure: BaseException | None = None
        self._scope: anyio.CancelScope | None = None

    # -- what patterns use -----------------------------------------------------------

    def member(self, who: Member | str) -> Member:
        """The member named ``who`` (a ``Member`` is returned as is).

        Raises:
            KeyError: when the team has no member of that name.

        """
        if not isinstance(who, str):
            return who
        try:
            return self._by_name[who]
        except KeyError:
            names = list(self._by_name)
            raise KeyError(f"the team has no agent named {who!r} (agents: {names})") from None

    def helper(self, actor_name: str) -> Member:
        """An internal agent the pattern declared in ``Pattern.helpers()``.

        Raises:
            KeyError: when the pattern declared no helper of that actor name.

        """
        return self._helpers[actor_name]

    async def emit(self, event: Event) -> None:
        """Add an event to the run's stream (its ``seq`` and ``run_id`` are set for you).

        Waits while the stream's consumer is behind (backpressure). Events
        emitted after the run ended are dropped.
        """
        sink = self._sink
        if sink is not None and not self._turns.closed:
            await sink(event)

    async def round(self, number: int) -> None:
        """Emit ``RoundStarted(round=number)``."""
        if self._sink is not None:
            await self.emit(RoundStarted(run_id=self.run_id, round=number))

    async def vote(self, agent: str, round: int, choice: str) -> None:
        """Emit a ``Vote`` of ``agent`` for ``choice`` in ``round``."""
        if self._sink is not None:
            await self.emit(Vote(run_id=self.run_id, agent=agent, round=round, choice=choice))

    async def turn(
        self,
        who: Member | str,
        inputs: dict[str, Any],
        *,
        round: int = 0,
        notes: Iterable[str] = (),
        required: bool = True,
    ) -> Turn:
        """Ask one agent for one turn and return it (also appended to the transcript).

        The turn's events (``AgentStarted``, ``Token``s, ``AgentFinished``)
        join the run's stream. A turn whose agent crashed (the actor's
        supervisor restarts it) or was restarted mid-turn is tried once more;
        input errors (``SignatureError``), unknown names and turn timeouts are
        not retried.

        Args:
            who: the member (or its name).
            inputs: the agent's inputs (only those its signature declares
                are sent when the signature is known).
            round: the round or step, put on the turn's events and transcript entry.
            notes: extra context appended to the agent's prompt.
            required: when ``False`` a failed turn is returned (``turn.error``
                set) instead of failing the run.

        Returns:
            The :class:`Turn`.

        Raises:
            RunError: when the turn failed twice (or could not be retried) and
                ``required`` is true; names the agent and the error.
            BudgetExceeded: when the turn would cross, or crossed, the budget
                (the whole run is stopped).

        """
        member = self.member(who)
        sent = member.select_inputs(inputs)
        note_list = [n for n in notes if n]
        record: Turn | None = None
        cause: BaseException | None = None
        for attempt in (1, 2):
            try:
                return await self._turns.attempt(member, sent, round, note_list, attempt)
            except TurnFailed as failed:
                record, cause = failed.turn, failed.__cause__
                if not failed.retry:
                    break
        assert record is not None
        if not required:
            return record
        error_type = RunTimeout if isinstance(cause, AskTimeout) else RunError
        error = error_type(
            f"agent {member.name!r} failed in round {round} after "
            f"{record.attempt} attempt{'s' if record.attempt > 1 else ''}: {record.error}",
            agent=member.name,
        )
        raise error from cause

    async def parallel(
        self, calls: Sequence[Callable[[], Awaitable[Any]]], *, limit: int | None = None
    ) -> list[Any]:
        """Run zero-argument async callables at the same time; return their results in order.

        The first one that raises cancels the others, and its exception (not
        an exception group) is raised.

        Args:
            calls: e.g. ``[lambda m=m: run.turn(m, inputs) for m in agents]``.
            limit: at most this many at once (``None``: all).

        Raises:
            Exception: the first exception one of the calls raised.

        """
        if len(calls) == 1:
            return [await calls[0]()]
        results: list[Any] = [None] * len(calls)
        limiter = anyio.CapacityLimiter(limit) if limit else None

        async def one(index: int, call: Callable[[], Awaitable[Any]]) -> None:
            if limiter is None:
                results[index] = await call()
            else:
                async with limiter:
                    results[index] = await call()

        try:
            async with anyio.create_task_group() as tg:
                for index, call in enumerate(calls):
                    tg.start_soon(one, index, call)
        except BaseExceptionGroup as group:
            error = _first_error(group)
            if error is None:
                raise
            raise error from error.__cause__  # as itself, its cause kept
        return results

    def fail(self, error: BaseException) -> None:
        """Stop the run with ``error`` (the first error wins); in-flight turns are cancelled."""
        if self._failure is None:
            self._failure = error
        if self._scope is not None:
            self._scope.cancel()

    def typed(self, who: Member | str, output: dict[str, Any]) -> Prediction:
        """``output`` typed by the signature of ``who`` (a plain ``Prediction`` if unknown)."""
        return self.member(who).typed(output)

    def choice(self, turn: Turn, key: Key = None) -> str:
        """The normalised value ``turn``'s output is compared on (see :func:`choice_of`).

        A function ``key`` is given the typed output, a field name or ``None``
        the output as it came.
        """
        output = self.typed(turn.agent, turn.output) if callable(key) else turn.output
        return choice_of(output, key)

    @property
    def usage(self) -> TeamUsage:
        """The usage of the turns so far."""
        return TeamUsage.of(self.transcript)

    # -- the whole run -------------------------------------------------------------------

    async def execute(self) -> TeamResult:
        """Run the pattern from ``RunStarted`` to ``RunFinished``/``RunFailed``.

        The run goes through the middleware of the team's system as a
        :class:`~kaizen_actors.coordination.RunCall`.

        Raises:
            RunError: a turn failed, the pattern failed, or ``timeout`` passed.
            BudgetExceeded: a budget limit was crossed.

        """
        chain = self._system.chain(run_wrapped) if self._system is not None else None
        if chain is None:
            return await self._execute()
        call = RunCall(
            run_id=self.run_id,
            team=self.team,
            pattern=self.pattern.name,
            inputs=self.inputs,
            run=self._execute,
        )
        result: TeamResult = await chain(call, None)  # type: ignore[arg-type]
        return result

    async def _execute(self) -> TeamResult:
        started = anyio.current_time()
        if self._sink is not None:
            await self.emit(
                RunStarted(
                    run_id=self.run_id, pattern=self.pattern.name, inputs=_jsonable(self.inputs)
                )
            )
        timeout_at = started + self._timeout if self._timeout is not None else math.inf
        budget_seconds = self._budget.max_seconds if self._budget is not None else None
        budget_at = started + budget_seconds if budget_seconds is not None else math.inf
        outcome: Any = None
        failure: BaseException | None = None
        scope = anyio.CancelScope(deadline=min(timeout_at, budget_at))
        try:
            with scope:
                self._scope = scope
                try:
                    outcome = await self.pattern.run(self)
                except Exception as exc:  # cancellation passes: the scope takes its own
                    failure = self._failure or _first_error(exc) or exc
                    if not isinstance(failure, KaizenError):
                        wrapped = RunError(
                            f"pattern {self.pattern.name!r} failed: "
                            f"{error_type_name(failure)}: {failure}"
                        )
                        wrapped.__cause__ = failure
                        failure = wrapped
        finally:
            self._scope = None
            self._turns.closed = True  # late events of cancelled turns are dropped from here on
        if failure is None and self._failure is not None:
            failure = self._failure
        if failure is None and scope.cancelled_caught:
            if budget_at <= timeout_at:
                failure = self._meter.seconds_error()
            else:
                failure = RunTimeout(
                    f"the run did not finish within timeout={self._timeout:g} s and was stopped"
                )
        if failure is not None:
            await self._failed(failure)
            raise failure
        return await self._finished(outcome)

    async def _finished(self, outcome: Any) -> TeamResult:
        from ..agents import Prediction

        if isinstance(outcome, Turn):
            output_dict = outcome.output
            output = self.typed(outcome.agent, output_dict)
        elif isinstance(outcome, Prediction):
            output, output_dict = outcome, _jsonable(outcome.to_dict())
        elif isinstance(outcome, dict):
            output, output_dict = Prediction(outcome), _jsonable(outcome)
        else:
            raise RunError(
                f"pattern {self.pattern.name!r} returned {type(outcome).__name__}; "
                "a pattern's run() must return a Turn, a dict or a Prediction"
            )
        usage = self.usage
        result = TeamResult(
            output=output,
            output_dict=output_dict,
            transcript=self.transcript,
            usage=usage,
            run_id=self.run_id,
            pattern=self.pattern.name,
            details=self.details,
        )
        if self._sink is not None:
            await self._final_event(
                RunFinished(run_id=self.run_id, output=output_dict, usage=usage.total)
            )
        return result

    async def _failed(self, failure: BaseException) -> None:
        if isinstance(failure, BudgetExceeded):
            reason, agent = "budget", None
        else:
            reason = getattr(failure, "reason", "error")
            agent = getattr(failure, "agent", None)
        if isinstance(failure, BudgetExceeded | RunError):
            failure.transcript = list(self.transcript)
        cause = failure.__cause__
        error_type = (
            cause.error_type
            if isinstance(cause, ActorCrashed)
            else error_type_name(cause or failure)
        )
        if self._sink is not None:
            await self._final_event(
                RunFailed(
                    run_id=self.run_id,
                    agent=agent,
                    reason=reason,
                    error=str(failure),
                    error_type=error_type,
                )
            )

    async def _final_event(self, event: Event) -> None:
        # The run is closed to agents' late events, not to its own last event.
        sink = self._sink
        assert sink is not None
        await sink(event)
