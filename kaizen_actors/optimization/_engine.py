"""``OptimizationEngine``: the interface of an optimizer ``ka.optimize`` runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..agents import AgentProgram
    from ._session import Example, OptimizationRun

__all__ = ["OptimizationEngine"]


class OptimizationEngine:
    """An optimizer of agent programs; pass one as ``ka.optimize(..., engine=...)``.

    Override :meth:`optimize_prompt` to only rewrite the instructions: the
    default :meth:`optimize` then scores the rewritten program against the
    given one on held-out examples (in parallel, under the budget) and keeps
    the better. Override :meth:`optimize` to do more: it gets the
    :class:`OptimizationRun` (examples, metric, settings) whose
    ``predict``/``evaluate`` run model calls on the run's evaluator actors,
    at most ``max_parallel`` at once, counted against the budget; and returns
    the new program (``run.result(...)`` picks the best and records the scores).

    Version added: 0.1

    """

    async def optimize_prompt(self, prompt: str, examples: Sequence[Example]) -> str:
        """Better instructions than ``prompt`` for the task the ``examples`` show.

        Args:
            prompt: the program's current instructions.
            examples: the training examples (input and expected output values).

        Raises:
            NotImplementedError: unless overridden (or :meth:`optimize` is).

        """
        raise NotImplementedError(
            f"{type(self).__name__}: override optimize_prompt(prompt, examples) or optimize(run)"
        )

    async def optimize(self, run: OptimizationRun) -> AgentProgram:
        """Rewrite the instructions with :meth:`optimize_prompt`; keep them if they score better.

        Raises:
            NotImplementedError: when neither this nor :meth:`optimize_prompt` is overridden.
            ActorCrashed: when a model call failed (it names the error).

        """
        train, val = run.split()
        prompt = await self.optimize_prompt(run.program.instructions, train)
        programs = [run.program, run.program.replace(instructions=prompt)]
        return run.result(programs, await run.evaluate(programs, val), len(val))
