"""``OptimizationRun``: what an engine works with during one ``ka.optimize``.

It holds the program, the examples, the metric and the settings, and runs the
model calls an engine asks for on the run's evaluator actors: in parallel (at
most ``max_parallel`` at once), counted against the :class:`Budget`, shown on
the progress bar. When the budget runs out the run *stops*: calls not started
are not made, calls in flight are cancelled when a limit was crossed, and
every later request returns at once with nothing, so the engine ends with
the best it has measured.
"""

from __future__ import annotations

import inspect
import math
import random
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from ..agents import Prediction
from ..coordination._budget import BudgetMeter
from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from ..agents import AgentProgram
    from ..agents.models._model import ChatModel
    from ..coordination import Budget
    from ..messages import BudgetExceeded
    from ._evaluate import EvaluatorPool
    from ._progress import Progress

__all__ = ["Example", "Metric", "OptimizationRun"]

Example = dict[str, Any]
"""A training example: input field values, usually the expected output fields too."""

Metric = Any
"""``metric(example, prediction) -> float`` (or ``bool``, or an awaitable of either)."""

T = TypeVar("T")


class OptimizationRun:
    """One optimization in progress, as an :class:`OptimizationEngine` sees it.

    Attributes:
        program: the program being optimized (never changed).
        trainset: the training examples.
        valset: the validation examples given to ``ka.optimize``, or ``None``
            (then :meth:`split` holds some of ``trainset`` out).
        metric: ``metric(example, prediction) -> float``.
        max_demos: the most worked examples a candidate may show.
        candidates: how many candidate programs to score.
        teacher: the model that proposes instructions (default the program's).
        seed: the seed of every random choice (splits, demo sets).
        stopped: why the run stopped early (a budget message), or ``None``.
        progress: the progress counter (``expect``, ``advance``, ``note``).

    Version added: 0.1

    """

    def __init__(
        self,
        program: AgentProgram,
        trainset: Sequence[Example],
        metric: Metric,
        *,
        pool: EvaluatorPool,
        progress: Progress,
        budget: Budget | None = None,
        valset: Sequence[Example] | None = None,
        max_demos: int = 4,
        candidates: int = 8,
        teacher: ChatModel | None = None,
        seed: int = 0,
    ) -> None:
        self.program = program
        self.trainset = list(trainset)
        self.valset = list(valset) if valset is not None else None
        self.metric = metric
        self.max_demos = max_demos
        self.candidates = candidates
        self.teacher = teacher
        self.seed = seed
        self.progress = progress
        self.stopped: str | None = None
        self._pool = pool
        self._meter = BudgetMeter(budget)
        seconds = budget.max_seconds if budget is not None else None
        self._deadline = anyio.current_time() + seconds if seconds is not None else math.inf
        self._scopes: set[anyio.CancelScope] = set()

    @property
    def calls(self) -> int:
        """Model calls made so far (retries included)."""
        return self._meter.calls

    def split(self) -> tuple[list[Example], list[Example]]:
        """The examples to learn from and those to score on.

        With ``valset``: the trainset and the valset. Otherwise the trainset
        shuffled (by ``seed``) and halved, the first half for scoring; a
        trainset of one example is both.
        """
        if self.valset is not None:
            return list(self.trainset), list(self.valset)
        if len(self.trainset) < 2:
            return list(self.trainset), list(self.trainset)
        shuffled = list(self.trainset)
        random.Random(self.seed).shuffle(shuffled)
        held = len(shuffled) // 2
        return shuffled[held:], shuffled[:held]

    def inputs_of(self, program: AgentProgram, example: Mapping[str, Any]) -> dict[str, Any]:
        """The values of ``example`` that are inputs of ``program``."""
        fields = program.signature.input_fields()
        return {name: value for name, value in example.items() if name in fields}

    async def predict(
        self, program: AgentProgram, examples: Sequence[Mapping[str, Any]], stage: str = "predict"
    ) -> list[Prediction | None]:
        """Run ``program`` on each example's inputs, in parallel.

        Returns:
            One entry per example: its ``Prediction``, or ``None`` when no
            reply validated or the run stopped before it.

        Raises:
            ActorCrashed: when a turn failed (a ``ModelError``...), naming it.
            AskTimeout: when a turn took longer than ``turn_timeout``.

        """
        self.progress.expect(len(examples), stage)

        async def one(example: Mapping[str, Any]) -> Prediction | None:
            done = await self._turn(program, self.inputs_of(program, example))
            return done if isinstance(done, Prediction) else None

        results = await self._gather([partial(one, e) for e in examples])
        return [r if isinstance(r, Prediction) else None for r in results]

    async def evaluate(
        self, programs: Sequence[AgentProgram], examples: Sequence[Mapping[str, Any]]
    ) -> list[float | None]:
        """The mean metric of each program over ``examples``, all turns in parallel.

        The turns start in program order, so when the run stops the first
        programs are the ones fully scored. A reply that never validated
        scores 0.

        Returns:
            One mean per program; ``None`` for a program the run stopped
            before it was scored on every example.

        Raises:
            ConfigError: when the metric returns something else than a number.
            ActorCrashed, AskTimeout: as :meth:`predict`.

        """
        self.progress.expect(len(programs) * len(examples), "scoring candidates")

        async def one(program: AgentProgram, example: Mapping[str, Any]) -> float | None:
            done = await self._turn(program, self.inputs_of(program, example))
            if done is _NOT_RUN:
                return None
            return await self.score(example, done if isinstance(done, Prediction) else None)

        jobs = [partial(one, p, e) for p in programs for e in examples]
        results = await self._gather(jobs)
        means: list[float | None] = []
        width = len(examples)
        for index in range(len(programs)):
            done = [s for s in results[index * width : (index + 1) * width] if s is not None]
            means.append(sum(done) / width if width and len(done) == width else None)
        scored = [m for m in means if m is not None]
        if scored:
            self.progress.note(f"best score {max(scored):.3f}")
        return means

    async def score(self, example: Mapping[str, Any], prediction: Prediction | None) -> float:
        """``metric(example, prediction)`` as a float; 0 for a missing prediction.

        Raises:
            ConfigError: when the metric returns something else than a number.

        """
        if prediction is None:
            return 0.0
        value = self.metric(example, prediction)
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, bool | int | float) and not math.isnan(value):
            return float(value)
        raise ConfigError(
            f"metric: must return a number (or bool), got {value!r}; "
            "define it as metric(example, prediction) -> float",
            key="metric",
        )

    def result(
        self, programs: Sequence[AgentProgram], scores: Sequence[float | None], validation: int
    ) -> AgentProgram:
        """The best scored of ``programs`` (``programs[0]``, the one given, wins ties).

        It is returned with its ``scores`` recorded: the metric's name, the
        baseline (``programs[0]``), the best, every candidate's score
        (``None``: not fully scored), ``validation`` (examples scored on),
        calls made and why the run stopped early. With nothing scored, the
        given program comes back (with those scores).
        """
        chosen, top = 0, -math.inf
        for index, value in enumerate(scores):
            if value is not None and value > top:
                chosen, top = index, value
        record = {
            "metric": getattr(self.metric, "__name__", type(self.metric).__name__),
            "baseline": scores[0] if scores else None,
            "best": scores[chosen] if scores else None,
            "candidates": list(scores[1:]),
            "validation": validation,
            "calls": self.calls,
            "stopped": self.stopped,
        }
        return programs[chosen].replace(scores=record) if programs else self.program

    # -- running turns ------------------------------------------------------------------

    async def _gather(self, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T | None]:
        """Run ``jobs`` concurrently (their turns wait for evaluators); ``None``: unfinished."""
        results: list[T | None] = [None] * len(jobs)
        if self.stopped is not None or not jobs:
            return results

        async def slot(index: int) -> None:
            results[index] = await jobs[index]()

        with anyio.CancelScope(deadline=self._deadline) as scope:
            self._scopes.add(scope)
            try:
                async with anyio.create_task_group() as tg:
                    for index in range(len(jobs)):
                        tg.start_soon(slot, index)
            finally:
                self._scopes.discard(scope)
        if scope.cancelled_caught and self.stopped is None:
            self.stopped = "budget: max_seconds reached; the optimization kept the best so far"
        return results

    async def _turn(self, program: AgentProgram, inputs: dict[str, Any]) -> Any:
        """One turn on an evaluator: a ``Prediction``, ``None`` (invalid reply) or ``_NOT_RUN``."""
        agent = program.agent
        async with self._pool.worker() as worker:
            if self.stopped is not None:
                return _NOT_RUN
            refused = self._meter.admit()
            if refused is not None:
                self._stop(refused, cancel=False)  # the calls in flight may finish
                return _NOT_RUN
            reply = await self._pool.run(worker, agent, inputs)
        crossed = self._meter.finished(reply.usage, 0)
        self.progress.advance()
        if crossed is not None:
            self._stop(crossed, cancel=True)
        if reply.output is None:
            return None
        outputs = agent.signature.output_fields()
        return Prediction(
            {
                name: outputs[name].validate(value, strict=False)
                for name, value in reply.output.items()
            }
        )

    def _stop(self, error: BudgetExceeded, *, cancel: bool) -> None:
        if self.stopped is None:
            self.stopped = f"{error}; the optimization kept the best so far"
        if cancel:
            for scope in self._scopes:
                scope.cancel()


_NOT_RUN: Any = object()
"""A turn the run stopped before it started."""
