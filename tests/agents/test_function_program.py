"""Signatures on functions: ``@ka.signature`` makes an awaitable agent program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, TypedDict

import pydantic
import pytest

import kaizen_actors as ka

pytestmark = pytest.mark.anyio


class Verdict(pydantic.BaseModel):
    answer: Literal["yes", "no"] = pydantic.Field(description="yes or no")
    confidence: float


class Sizes(TypedDict):
    width: int
    height: Annotated[int, "in pixels"]


def echo_system() -> ka.ScriptedModel:
    """A model answering with the system message it was given."""
    return ka.ScriptedModel(respond=lambda messages: messages[0]["content"])


async def test_the_docstring_of_a_function_program_reaches_the_prompt() -> None:
    @ka.signature("question -> answer", model=echo_system())
    def answer(question: str) -> str:
        """Answer like a pirate."""

    prediction = await answer(question="Where is the treasure?")
    assert prediction.answer.startswith("Answer like a pirate.")
    assert answer.instructions == "Answer like a pirate."


async def test_a_typed_function_without_a_spec_has_its_parameters_as_inputs() -> None:
    @ka.signature(model=ka.ScriptedModel(["8"]))
    def double(number: Annotated[int, "the number to double"], note: str = "") -> int:
        """Double the number."""

    fields = double.signature.input_fields()
    assert list(fields) == ["number", "note"]
    assert fields["number"].annotation is int
    assert fields["number"].desc == "the number to double"
    assert fields["note"].default == ""
    assert await double(4) == {"output": 8}


async def test_a_pydantic_return_type_gives_one_typed_output_field_per_key() -> None:
    @ka.signature(model=ka.ScriptedModel(['{"answer": "yes", "confidence": "0.9"}']))
    def judge(claim: str) -> Verdict:
        """Judge the claim."""

    outputs = judge.signature.output_fields()
    assert list(outputs) == ["answer", "confidence"]
    assert outputs["answer"].desc == "yes or no"
    prediction = await judge(claim="Water is wet")
    assert prediction.answer == "yes"
    assert prediction.confidence == 0.9


async def test_a_typeddict_return_type_gives_several_output_fields() -> None:
    @ka.signature(model=ka.ScriptedModel(['{"width": 3, "height": 4}']))
    def measure(picture: str) -> Sizes:
        """Measure the picture."""

    assert measure.signature.output_fields()["height"].desc == "in pixels"
    assert (await measure(picture="cat.png")).to_dict() == {"width": 3, "height": 4}


def test_annotations_type_the_fields_a_spec_string_left_untyped() -> None:
    @ka.signature("n -> doubled")
    def double(n: int) -> int: ...

    assert double.signature.input_fields()["n"].annotation is int
    assert double.signature.output_fields()["doubled"].annotation is int
    assert double.model is None


def test_ka_signature_with_only_a_string_still_returns_a_signature_class() -> None:
    made = ka.signature("question, context -> answer: str, confidence: float", "Be brief.")
    assert issubclass(made, ka.Signature)
    assert made.instructions() == "Be brief."


def test_a_bare_decorator_on_a_typed_function_makes_a_program_without_a_model() -> None:
    @ka.signature
    def shout(text: str) -> str:
        """Shout it."""

    assert isinstance(shout, ka.AgentProgram)
    with pytest.raises(ka.ConfigError, match="has no model"):
        shout.agent  # noqa: B018


@pytest.mark.parametrize(
    ("spec", "function_source", "match"),
    [
        ("question -> answer", "def f(q: str) -> str: ...", "must be the signature's inputs"),
        ("n: int -> m", "def f(n: str) -> str: ...", "annotated"),
        ("a -> b, c", "def f(a: str) -> str: ...", "is one value"),
        (None, "def f(a: str): ...", "annotate the return type"),
        (None, "def f(*a: str) -> str: ...", "cannot be an input"),
        (None, "def f(a: str) -> None: ...", "not None"),
    ],
)
def test_a_function_that_does_not_fit_raises_signature_error(
    spec: str | None, function_source: str, match: str
) -> None:
    namespace: dict[str, object] = {}
    exec(function_source, namespace)
    decorate = ka.signature(spec, model="openai/gpt-4o-mini") if spec else ka.signature()
    with pytest.raises(ka.SignatureError, match=match):
        decorate(namespace["f"])  # type: ignore[operator]


async def test_bad_inputs_to_a_program_raise_signature_error_before_any_model_call() -> None:
    model = ka.ScriptedModel(["x"])

    @ka.signature(model=model)
    def double(number: int) -> int: ...

    with pytest.raises(ka.SignatureError, match="number"):
        await double(number="four")
    with pytest.raises(ka.SignatureError, match="unknown input"):
        await double(digits=4)
    with pytest.raises(ka.SignatureError, match="given twice"):
        await double(4, number=4)
    assert model.calls == []


async def test_demos_are_shown_to_the_model_as_worked_examples() -> None:
    @ka.signature("question -> answer", model=echo_system())
    def answer(question: str) -> str: ...

    shown = answer.replace(demos=[{"question": "2+2?", "answer": "4"}])
    system = (await shown(question="3+3?")).answer
    assert "Worked examples:" in system
    assert "question: 2+2?\nReply: 4" in system
    assert answer.demos == ()  # the original is unchanged


def test_a_demo_naming_an_unknown_field_raises_config_error() -> None:
    with pytest.raises(ka.ConfigError, match="unknown field 'colour'"):
        ka.AgentProgram("question -> answer", demos=[{"colour": "red", "answer": "x"}])


async def test_a_program_streams_its_tokens() -> None:
    @ka.signature(model=ka.ScriptedModel(["Hello big world"]))
    def greet(name: str) -> str: ...

    async with greet.stream(name="Ada") as events:
        texts = [e.text async for e in events if isinstance(e, ka.events.Token)]
    assert "".join(texts) == "Hello big world"


async def test_save_and_load_round_trip_the_prompt(tmp_path: Path) -> None:
    @ka.signature(model=ka.ScriptedModel())
    def judge(claim: Annotated[str, "what to judge"], strict: bool = False) -> Verdict:
        """Judge the claim."""

    learned = judge.replace(
        instructions="Judge the claim carefully.",
        demos=[{"claim": "Fire is cold", "strict": True, "answer": "no", "confidence": 1.0}],
        scores={"best": 1.0},
    )
    path = tmp_path / "judge.json"
    await learned.save(path)
    assert json.loads(path.read_text())["model"] == {"name": "scripted", "litellm": False}
    loaded = await ka.load(path, model=ka.ScriptedModel())
    assert loaded.system_prompt == learned.system_prompt
    assert loaded.scores == {"best": 1.0}
    assert loaded.signature.input_fields()["strict"].default is False


async def test_loading_a_non_litellm_model_without_model_raises_config_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    await ka.AgentProgram("q -> a", ka.ScriptedModel()).save(path)
    with pytest.raises(ka.ConfigError, match="pass the model"):
        await ka.load(path)


async def test_a_saved_litellm_model_name_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    await ka.AgentProgram("q -> a", ka.Model("openai/gpt-4o-mini", api_key="sk-x")).save(path)
    assert "sk-x" not in path.read_text()
    assert (await ka.load(path)).model.name == "openai/gpt-4o-mini"  # type: ignore[union-attr]


async def test_a_program_is_a_team_member_by_its_agent() -> None:
    def solver(name: str, reply: str) -> ka.AgentProgram:
        @ka.signature(model=ka.ScriptedModel(respond=lambda m: reply), name=name)
        def answer(question: str) -> str: ...

        return answer

    programs = [solver("a", "yes"), solver("b", "yes"), solver("c", "no")]
    async with ka.team(*programs, pattern=ka.Debate(rounds=1)) as team:
        result = await team.run(question="Is 1009 prime?")
    assert result.output.output == "yes"
    assert [t.agent for t in result.transcript] == ["a", "b", "c"]


async def test_a_program_is_served_on_the_web_as_its_agent() -> None:
    from kaizen_actors.web._served import resolve_served

    @ka.signature(model=ka.ScriptedModel(respond=lambda m: "Paris"))
    def capital(country: str) -> str: ...

    served = resolve_served(capital)
    assert list(served) == ["capital"]
    async with served["capital"].team as team:
        assert (await team.run(country="France")).output.output == "Paris"


@ka.signature(model=ka.ScriptedModel(respond=lambda m: "ok"))
def served_program(question: str) -> str:
    """A program for the command line to serve."""


def test_the_command_line_serves_a_program_instead_of_calling_it() -> None:
    from kaizen_actors.cli._target import load_served

    served = load_served(f"{__name__}:served_program", "web")
    assert served is served_program.agent
