"""Candidate instructions, written by a model (the program's own, or a teacher)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..agents import AgentProgram, InputField, OutputField, Signature
from ..agents.signatures._prompt import demo_text, system_prompt

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._session import OptimizationRun

__all__ = ["TIPS", "propose_instructions"]

TIPS = (
    "Keep them short and direct.",
    "Say exactly what each output must contain and in which format.",
    "Describe how to work the task out step by step before answering.",
    "Point out the mistakes to avoid, judging by the examples.",
    "Describe the task as an expert of its field would.",
    "Generalise from the worked examples: state the rule they follow.",
    "Be precise and formal.",
)
"""One direction per proposal, in turn (as MIPRO's proposer varies its prompt)."""


class ProposeInstructions(Signature):
    """You improve the instructions given to a language model for a task.

    Read the current instructions, the task's fields and the worked examples,
    then write new instructions that will make a model solve the task better,
    following the tip. Reply with the new instructions only.
    """

    current: str = InputField(desc="the task's current instructions (may be empty)")
    task: str = InputField(desc="the task's inputs, outputs and reply format")
    examples: str = InputField(desc="worked examples of the task (may be empty)")
    tip: str = InputField(desc="how to write this version")
    proposal: str = OutputField(desc="the new instructions")


async def propose_instructions(
    run: OptimizationRun, program: AgentProgram, count: int, demos: Sequence[dict[str, Any]]
) -> list[str]:
    """Up to ``count`` new instruction texts for ``program``, distinct and non-empty, in parallel.

    They come from ``run.teacher`` (default the program's model); a proposal
    whose reply never validated is dropped.

    Raises:
        ActorCrashed: when a model call failed (it names the error).

    """
    if count <= 0:
        return []
    sig = program.signature
    inputs, outputs = sig.input_fields(), sig.output_fields()
    proposer = AgentProgram(
        ProposeInstructions,
        run.teacher or program.model,
        name=f"{program.name}-proposer",
    )
    asks = [
        {
            "current": program.instructions,
            "task": system_prompt("", inputs, outputs),
            "examples": demo_text(demos, inputs, outputs),
            "tip": TIPS[index % len(TIPS)],
        }
        for index in range(count)
    ]
    texts: list[str] = []
    for prediction in await run.predict(proposer, asks, "proposing instructions"):
        text = prediction.proposal.strip() if prediction is not None else ""
        if text and text != program.instructions and text not in texts:
            texts.append(text)
    return texts
