"""``BootstrapEngine``: the default engine (demonstrations, instructions, the best kept)."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from ..messages import ConfigError
from ._bootstrap import bootstrap_demos
from ._engine import OptimizationEngine
from ._propose import propose_instructions

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..agents import AgentProgram
    from ._session import OptimizationRun

__all__ = ["BootstrapEngine", "candidate_programs"]


class BootstrapEngine(OptimizationEngine):
    """Bootstrap demonstrations, propose instructions, keep the best scored combination.

    As DSPy's ``BootstrapFewShotWithRandomSearch`` with MIPRO's instruction
    proposals, in three stages, each run in parallel on the run's evaluators:

    1. Demonstrations: the program runs on training examples; the traces the
       metric scores at least ``demo_threshold`` become worked examples,
       then the labelled examples fill up (see :func:`bootstrap_demos`).
    2. Instructions: the teacher (default the program's model) writes
       ``candidates - 1`` new instruction texts, each after another tip.
    3. Search: ``candidates`` programs (the instruction texts in turn, each
       with a set of at most ``max_demos`` demonstrations: the first set the
       best ones, the others random draws) and the given program are scored
       on the held-out examples; the best mean wins, the given program on ties.

    Args:
        demo_threshold: the metric score a trace needs to become a demonstration.

    Raises:
        ConfigError: for a ``demo_threshold`` that is not a number.

    Version added: 0.1

    """

    def __init__(self, *, demo_threshold: float = 1.0) -> None:
        if isinstance(demo_threshold, bool) or not isinstance(demo_threshold, int | float):
            raise ConfigError(
                f"demo_threshold must be a number, got {demo_threshold!r}", key="demo_threshold"
            )
        self.demo_threshold = float(demo_threshold)

    async def optimize(self, run: OptimizationRun) -> AgentProgram:
        """Run the three stages; the best program, its scores recorded.

        Raises:
            ActorCrashed: when a model call failed (it names the error).
            ConfigError: when the metric returns something else than a number.

        """
        program = run.program
        train, val = run.split()
        pool = await bootstrap_demos(run, program, train, threshold=self.demo_threshold)
        texts = [program.instructions]
        texts += await propose_instructions(run, program, run.candidates - 1, pool[: run.max_demos])
        programs = [program, *candidate_programs(program, texts, pool, run)]
        return run.result(programs, await run.evaluate(programs, val), len(val))


def candidate_programs(
    program: AgentProgram,
    texts: Sequence[str],
    pool: Sequence[dict[str, Any]],
    run: OptimizationRun,
) -> list[AgentProgram]:
    """Up to ``run.candidates`` distinct programs: instruction texts in turn, each with a demo set.

    The first demo set is the first ``max_demos`` of ``pool`` (the accepted
    traces); the others are random draws (seeded by ``run.seed``).
    """
    rng = random.Random(run.seed)
    size = min(run.max_demos, len(pool))
    sets = [list(pool[:size])]
    while len(sets) < run.candidates:
        sets.append(rng.sample(list(pool), size))
    made: list[AgentProgram] = []
    seen = {_key(program.instructions, program.demos)}
    for index in range(run.candidates):
        text, demos = texts[index % len(texts)], sets[index]
        key = _key(text, demos)
        if key in seen:
            continue
        seen.add(key)
        made.append(program.replace(instructions=text, demos=demos))
    return made


def _key(text: str, demos: Sequence[dict[str, Any]]) -> tuple[str, str]:
    return text, json.dumps(list(demos), sort_keys=True, default=str)
