"""A custom optimization engine, written against the ``ka.OptimizationEngine`` interface.

    python examples/custom_optimizer.py                   # offline, a scripted model
    python examples/custom_optimizer.py --model openai/gpt-4o-mini

``StyleGuide`` rewrites the instructions only (``optimize_prompt``): it adds
the answer format the training examples show. ``ka.optimize`` gives it the
rest: the rewritten program is scored against the original on held-out
examples, in parallel on evaluator actors, under a budget, and the better
one comes back. The result is saved and loaded again.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

import kaizen_actors as ka

if TYPE_CHECKING:
    from collections.abc import Sequence

TRAIN = [
    {"word": "apple", "category": "FRUIT"},
    {"word": "carrot", "category": "VEGETABLE"},
    {"word": "salmon", "category": "FISH"},
    {"word": "pear", "category": "FRUIT"},
    {"word": "leek", "category": "VEGETABLE"},
    {"word": "trout", "category": "FISH"},
]


class StyleGuide(ka.OptimizationEngine):
    """Append the reply style the examples share (upper case, one word) to the instructions."""

    async def optimize_prompt(self, prompt: str, examples: Sequence[dict[str, Any]]) -> str:
        answers = [str(e["category"]) for e in examples]
        rules = []
        if all(a.isupper() for a in answers):
            rules.append("Reply in UPPER CASE.")
        if all(" " not in a for a in answers):
            rules.append("Reply with a single word.")
        shown = ", ".join(f"{e['word']} -> {e['category']}" for e in examples[:3])
        return f"{prompt}\n\n{' '.join(rules)} For example: {shown}."


def scripted(messages: list[dict[str, Any]]) -> str:
    """Answers in the style asked for, and only then."""
    word = messages[-1]["content"].removeprefix("word: ")
    kind = {"apple": "fruit", "pear": "fruit", "salmon": "fish", "trout": "fish"}.get(
        word, "vegetable"
    )
    return kind.upper() if "UPPER CASE" in messages[0]["content"] else f"It is a {kind}."


def exact(example: dict[str, Any], prediction: ka.Prediction) -> bool:
    return bool(prediction.category == example["category"])


async def main(model: Any) -> None:
    @ka.signature("word -> category", model=model)
    def classify(word: str) -> str:
        """Say which kind of food the word names: fruit, vegetable or fish."""

    better = await ka.optimize(
        classify, TRAIN, exact, engine=StyleGuide(), budget=ka.Budget(max_calls=50)
    )
    print("instructions:", better.instructions.replace("\n\n", " | "))
    print(f"score: {better.scores['baseline']:.2f} -> {better.scores['best']:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "classify.json"
        await better.save(path)
        loaded = await ka.load(path, model=model)
    print("leek ->", (await loaded(word="leek")).category)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a litellm model name")
    chosen = parser.parse_args().model
    anyio.run(main, chosen or ka.ScriptedModel(respond=scripted), backend="asyncio")
