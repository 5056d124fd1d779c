"""``ka.optimize``: a better program from examples and a metric."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..agents import AgentProgram
from ..agents.models._model import resolve_model
from ..coordination import Budget
from ..coordination._team import DEFAULT_TURN_TIMEOUT
from ..messages import ConfigError, SignatureError
from ._engine import OptimizationEngine
from ._evaluate import EvaluatorPool
from ._progress import Progress
from ._search import BootstrapEngine
from ._session import OptimizationRun

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._session import Example, Metric

__all__ = ["optimize"]


async def optimize(
    program: AgentProgram,
    trainset: Iterable[Mapping[str, Any]],
    metric: Metric,
    *,
    max_demos: int = 4,
    candidates: int = 8,
    budget: Budget | None = None,
    max_parallel: int = 8,
    engine: OptimizationEngine | None = None,
    teacher: Any = None,
    valset: Iterable[Mapping[str, Any]] | None = None,
    seed: int = 0,
    progress: bool | None = None,
    turn_timeout: float = DEFAULT_TURN_TIMEOUT,
) -> AgentProgram:
    """Optimize ``program`` on ``trainset``: a new program that scores better on ``metric``.

    The default engine (:class:`BootstrapEngine`) bootstraps worked examples,
    has a model propose instructions, and keeps the candidate with the best
    mean metric on held-out examples (the given program when none beats it).
    Every model call runs on evaluator actors of an ``ActorSystem`` of the
    optimization's own, at most ``max_parallel`` at once. A rich progress bar
    shows on stderr when it is a terminal. The given program is unchanged.

    Args:
        program: the program (``@ka.signature`` or ``ka.AgentProgram``), with a model.
        trainset: examples: dicts of input values and the expected outputs.
        metric: ``metric(example, prediction) -> float`` (or ``bool``; sync
            or async), 1.0 for a right answer.
        max_demos: worked examples a candidate may show (0: instructions only).
        candidates: candidate programs to score (besides the given one).
        budget: a ``ka.Budget`` for the whole optimization (``max_calls``,
            ``max_tokens``, ``max_cost``, ``max_seconds``); when it runs out
            the optimization stops and returns the best program scored so
            far (``scores["stopped"]`` says why). ``max_calls`` is never
            crossed; tokens and cost are checked after each call.
        max_parallel: model calls at once (the number of evaluator actors).
        engine: a custom :class:`OptimizationEngine`.
        teacher: the model proposing instructions (default the program's).
        valset: the examples to score on (default: half the trainset, held out).
        seed: the seed of the split and the demonstration draws.
        progress: draw the progress bar (``None``: when stderr is a terminal).
        turn_timeout: seconds one model turn may take.

    Returns:
        The best program, with ``scores`` recorded (see ``AgentProgram.scores``).

    Raises:
        ConfigError: for a program without a model, an empty trainset, a
            metric that is not callable or returns no number, or a bad setting.
        SignatureError: for an example whose inputs do not fit the signature.
        ActorCrashed: when a model call failed (a ``ModelError``...), naming it.

    Version added: 0.1

    """
    if not isinstance(program, AgentProgram):
        raise ConfigError(
            "optimize: expected an agent program (@ka.signature, ka.AgentProgram), "
            f"got {program!r}",
            key="program",
        )
    program.agent  # noqa: B018 - raises ConfigError for a program without a model
    examples = _examples(program, trainset, "trainset")
    if not examples:
        raise ConfigError("optimize: the trainset is empty", key="trainset")
    held = _examples(program, valset, "valset") if valset is not None else None
    if held is not None and not held:
        raise ConfigError("optimize: the valset is empty", key="valset")
    if not callable(metric):
        raise ConfigError(f"optimize: metric must be callable, got {metric!r}", key="metric")
    for key, value, least in (
        ("max_demos", max_demos, 0),
        ("candidates", candidates, 1),
        ("max_parallel", max_parallel, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"optimize: {key} must be an int >= {least}, got {value!r}", key=key)
    if budget is not None and not isinstance(budget, Budget):
        raise ConfigError(f"optimize: budget must be a ka.Budget, got {budget!r}", key="budget")
    if not turn_timeout > 0:
        raise ConfigError(
            f"optimize: turn_timeout must be > 0, got {turn_timeout!r}", key="turn_timeout"
        )
    chosen = engine if engine is not None else BootstrapEngine()
    if not isinstance(chosen, OptimizationEngine):
        raise ConfigError(
            f"optimize: engine must be a ka.OptimizationEngine, got {engine!r}", key="engine"
        )
    with Progress(progress, f"optimizing {program.name}") as bar:
        async with EvaluatorPool(max_parallel, turn_timeout) as pool:
            run = OptimizationRun(
                program,
                examples,
                metric,
                pool=pool,
                progress=bar,
                budget=budget,
                valset=held,
                max_demos=max_demos,
                candidates=candidates,
                teacher=resolve_model(teacher) if teacher is not None else None,
                seed=seed,
            )
            return await chosen.optimize(run)


def _examples(
    program: AgentProgram, given: Iterable[Mapping[str, Any]], what: str
) -> list[Example]:
    """The examples as dicts, their inputs checked against the signature."""
    sig = program.signature
    fields = sig.input_fields()
    examples: list[Example] = []
    for index, example in enumerate(given):
        if not isinstance(example, Mapping):
            raise ConfigError(
                f"optimize: {what}[{index}] must be a dict of field values, got {example!r}",
                key=what,
            )
        try:
            sig.validate_inputs({k: v for k, v in example.items() if k in fields})
        except SignatureError as exc:
            raise SignatureError(f"{what}[{index}]: {exc}", field=exc.field) from None
        examples.append(dict(example))
    return examples
