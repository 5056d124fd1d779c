"""Worked examples for the prompt: traces the metric accepts, then labelled examples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..agents import AgentProgram
    from ._session import Example, OptimizationRun

__all__ = ["bootstrap_demos"]

TRIES_PER_DEMO = 4
"""Training examples run per demonstration wanted, at most."""


async def bootstrap_demos(
    run: OptimizationRun,
    program: AgentProgram,
    examples: Sequence[Example],
    *,
    threshold: float,
) -> list[dict[str, Any]]:
    """Candidate demonstrations, the best first.

    ``program`` runs on up to ``TRIES_PER_DEMO * run.max_demos`` examples, in
    parallel; a prediction the metric scores at least ``threshold`` becomes
    a demonstration (the example's inputs, the program's outputs). Then come
    the labelled examples (inputs and the expected outputs, for examples
    holding every output field) that were not accepted.

    Raises:
        ActorCrashed: when a model call failed (it names the error).
        ConfigError: when the metric returns something else than a number.

    """
    if run.max_demos == 0 or not examples:
        return []
    tried = list(examples[: TRIES_PER_DEMO * run.max_demos])
    predictions = await run.predict(program, tried, "bootstrapping demonstrations")
    accepted: list[dict[str, Any]] = []
    used: set[int] = set()
    for index, (example, prediction) in enumerate(zip(tried, predictions, strict=True)):
        if prediction is not None and await run.score(example, prediction) >= threshold:
            accepted.append({**run.inputs_of(program, example), **prediction.to_dict()})
            used.add(index)
    outputs = program.signature.output_fields()
    labelled = [
        {**run.inputs_of(program, e), **{n: e[n] for n in outputs}}
        for index, e in enumerate(examples)
        if index not in used and all(n in e for n in outputs)
    ]
    return accepted + labelled
