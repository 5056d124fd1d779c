"""Layer 4, optimization: better agent programs from examples and a metric.

::

    @ka.signature(model="openai/gpt-4o-mini")
    def answer(question: str) -> str:
        \"\"\"Answer with one word.\"\"\"

    better = await ka.optimize(answer, trainset, exact_match, budget=ka.Budget(max_calls=200))
    await better.save("answer.json")          # later: await ka.load("answer.json")

:func:`optimize` runs an :class:`OptimizationEngine` (by default
:class:`BootstrapEngine`) on an :class:`OptimizationRun`: the examples, the
metric and budgeted, parallel model calls on evaluator actors.

- ``_optimize``: :func:`optimize` (checks, the evaluators, the progress bar).
- ``_session``: :class:`OptimizationRun` (split, predict, evaluate, budget, result).
- ``_evaluate``: the evaluator actors and their pool.
- ``_engine``: :class:`OptimizationEngine`; ``_search``: :class:`BootstrapEngine`;
  ``_bootstrap``: worked examples; ``_propose``: instruction proposals.
- ``_progress``: the rich progress bar.

The package is ``optimization``, not ``optimize``: importing a package named
like the function ``ka.optimize`` would replace the function on
``kaizen_actors`` with the module.
"""

from __future__ import annotations

from .._meta import publish
from ._engine import OptimizationEngine
from ._optimize import optimize
from ._search import BootstrapEngine
from ._session import OptimizationRun

__all__ = ["BootstrapEngine", "OptimizationEngine", "OptimizationRun", "optimize"]

publish(__all__, globals())
