"""``ka.optimize``: worked examples and instructions chosen by a metric, on evaluator actors."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

import kaizen_actors as ka

pytestmark = pytest.mark.anyio

CAPITALS = {
    "France": "Paris",
    "Spain": "Madrid",
    "Italy": "Rome",
    "Japan": "Tokyo",
    "Peru": "Lima",
    "Chile": "Santiago",
    "Egypt": "Cairo",
    "Kenya": "Nairobi",
    "Norway": "Oslo",
    "Greece": "Athens",
    "Cuba": "Havana",
    "Iran": "Tehran",
    "Mali": "Bamako",
    "Nepal": "Kathmandu",
    "Chad": "N'Djamena",
    "Laos": "Vientiane",
    "Oman": "Muscat",
    "Togo": "Lome",
    "Fiji": "Suva",
    "Peru2": "Lima",
}
EXAMPLES = [{"country": c, "output": capital} for c, capital in CAPITALS.items()]
TRAIN, HELD_OUT = EXAMPLES[:12], EXAMPLES[12:]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Pupil:
    """A scripted model that knows the capitals only when its prompt shows worked examples.

    It counts the calls in flight at once (each call sleeps ``delay``).
    """

    def __init__(self, delay: float = 0.01, proposal: str = "Name the capital city only.") -> None:
        self.delay = delay
        self.proposal = proposal
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = 0
        self.model = ka.ScriptedModel(respond=self.respond)

    async def respond(self, messages: list[dict[str, Any]]) -> str:
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await anyio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        system = messages[0]["content"]
        if "improve the instructions" in system:
            return self.proposal
        country = messages[-1]["content"].removeprefix("country: ")
        return CAPITALS.get(country, "?") if "Worked examples" in system else "I don't know"


def exact(example: dict[str, Any], prediction: ka.Prediction) -> float:
    return float(prediction.output == example["output"])


def capital_program(model: ka.ScriptedModel) -> ka.AgentProgram:
    @ka.signature(model=model)
    def capital(country: str) -> str:
        """Name the capital of the country."""

    return capital


async def accuracy(program: ka.AgentProgram, examples: Sequence[dict[str, Any]]) -> float:
    scores = [exact(e, await program(country=e["country"])) for e in examples]
    return sum(scores) / len(scores)


async def test_optimizing_lifts_the_metric_on_held_out_examples_evaluating_in_parallel() -> None:
    pupil = Pupil()
    program = capital_program(pupil.model)
    assert await accuracy(program, HELD_OUT) <= 0.3

    pupil.most_in_flight = 0
    better = await ka.optimize(program, TRAIN, exact, max_parallel=4, progress=False)

    assert 1 < pupil.most_in_flight <= 4
    assert await accuracy(better, HELD_OUT) >= 0.9
    assert better.scores["baseline"] == 0.0
    assert better.scores["best"] == 1.0
    assert better.scores["stopped"] is None
    assert 1 <= len(better.demos) <= 4
    assert program.demos == ()  # the given program is unchanged


async def test_a_budget_stops_the_optimization_early_with_the_best_scored_so_far() -> None:
    pupil = Pupil()
    program = capital_program(pupil.model)
    # 6 bootstrap turns, 7 proposals, then only 18 of the 6 x 9 scoring turns.
    budget = ka.Budget(max_calls=6 + 7 + 18)

    better = await ka.optimize(program, TRAIN, exact, budget=budget, max_parallel=3, progress=False)

    assert pupil.calls <= 31
    scores = better.scores
    assert "max_calls=31" in scores["stopped"]
    assert None in scores["candidates"]
    done = [s for s in [scores["baseline"], *scores["candidates"]] if s is not None]
    assert scores["best"] == max(done) == 1.0
    assert await accuracy(better, HELD_OUT) >= 0.9


async def test_a_time_budget_stops_the_optimization_with_a_program_and_no_call_left() -> None:
    pupil = Pupil(delay=0.05)
    program = capital_program(pupil.model)
    started = anyio.current_time()
    better = await ka.optimize(
        program, TRAIN, exact, budget=ka.Budget(max_seconds=0.3), max_parallel=2, progress=False
    )
    assert anyio.current_time() - started < 5
    assert "max_seconds" in better.scores["stopped"]
    assert pupil.in_flight == 0
    assert isinstance(await better(country="France"), ka.Prediction)


async def test_the_progress_bar_is_drawn_on_stderr_when_asked(capfd) -> None:
    program = capital_program(Pupil().model)
    await ka.optimize(program, TRAIN[:4], exact, candidates=2, max_parallel=2, progress=True)
    drawn = capfd.readouterr().err
    assert "━" in drawn or "%" in drawn


async def test_cancelling_an_optimization_stops_its_model_calls_and_leaves_no_task() -> None:
    pupil = Pupil(delay=30)
    program = capital_program(pupil.model)
    before = len(asyncio.all_tasks())
    with anyio.move_on_after(0.2):
        await ka.optimize(program, TRAIN, exact, progress=False)
    await anyio.wait_all_tasks_blocked()
    assert pupil.calls > 0
    assert pupil.in_flight == 0
    assert len(asyncio.all_tasks()) == before


class CapitalHint(ka.OptimizationEngine):
    """Rewrites the instructions only (the base class scores them against the original)."""

    async def optimize_prompt(self, prompt: str, examples: Sequence[dict[str, Any]]) -> str:
        shown = "; ".join(f"{e['country']}: {e['output']}" for e in examples[:2])
        return f"{prompt}\n\nWorked examples: {shown}"


async def test_a_custom_engine_rewriting_the_prompt_plugs_in() -> None:
    program = capital_program(Pupil().model)
    better = await ka.optimize(program, TRAIN, exact, engine=CapitalHint(), progress=False)
    assert better.instructions.startswith("Name the capital of the country.\n\nWorked examples:")
    assert better.scores["best"] == 1.0 > better.scores["baseline"]


async def test_an_optimized_program_saved_and_loaded_gives_the_same_prompt(tmp_path: Path) -> None:
    pupil = Pupil()
    better = await ka.optimize(capital_program(pupil.model), TRAIN, exact, progress=False)
    await better.save(tmp_path / "capital.json")
    loaded = await ka.load(tmp_path / "capital.json", model=pupil.model)
    assert loaded.system_prompt == better.system_prompt
    assert loaded.scores == better.scores
    assert await accuracy(loaded, HELD_OUT) >= 0.9


async def test_bad_optimization_arguments_raise_typed_errors() -> None:
    program = capital_program(Pupil().model)
    with pytest.raises(ka.ConfigError, match="trainset is empty"):
        await ka.optimize(program, [], exact)
    with pytest.raises(ka.SignatureError, match=r"trainset\[0\].*country"):
        await ka.optimize(program, [{"country": 3}], exact)
    with pytest.raises(ka.ConfigError, match="max_parallel"):
        await ka.optimize(program, TRAIN, exact, max_parallel=0)
    with pytest.raises(ka.ConfigError, match="has no model"):
        await ka.optimize(program.replace(model=None), TRAIN, exact)
    with pytest.raises(ka.ConfigError, match="must return a number"):
        await ka.optimize(program, TRAIN, lambda e, p: "good", progress=False)


def test_ka_optimize_is_the_function_after_importing_the_package() -> None:
    code = "import kaizen_actors.optimization, kaizen_actors as ka; print(callable(ka.optimize))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
