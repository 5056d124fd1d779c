from __future__ import annotations

from typing import Literal

import msgspec
import pydantic
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import InputField, OutputField, Signature, signature


class Point(pydantic.BaseModel):
    x: int
    y: int


class Span(msgspec.Struct):
    start: int
    end: int


class Answer(Signature):
    """Answer the question in one sentence."""

    question: str = InputField(desc="what to answer")
    context: str | None = InputField()
    answer: str = OutputField()
    confidence: float = OutputField(desc="0 to 1")


class Rich(Signature):
    """Every kind of field."""

    n: int = InputField()
    flag: bool = InputField(default=False)
    tags: list[str] = InputField(default=[])
    point: Point = InputField()
    span: Span = InputField()
    kind: Literal["a", "b"] = OutputField()
    where: Point = OutputField()
    spans: list[Span] = OutputField()
    note: str | None = OutputField()


def test_class_form_collects_fields_in_order_with_docstring_as_instructions() -> None:
    assert list(Answer.input_fields()) == ["question", "context"]
    assert list(Answer.output_fields()) == ["answer", "confidence"]
    assert Answer.instructions() == "Answer the question in one sentence."
    assert Answer.input_fields()["question"].desc == "what to answer"


def test_string_form_parses_names_and_types() -> None:
    sig = signature("question, context -> answer: str, confidence: float")
    assert list(sig.input_fields()) == ["question", "context"]
    assert sig.output_fields()["confidence"].annotation is float
    assert sig.input_fields()["context"].annotation is str


def test_string_form_reads_generic_and_literal_types() -> None:
    sig = signature("q: list[int] -> verdict: Literal['yes', 'no'], score: int | None")
    assert sig.input_fields()["q"].annotation == list[int]
    assert sig.output_fields()["verdict"].annotation == Literal["yes", "no"]
    assert sig.output_fields()["score"].optional


def test_string_form_accepts_extra_type_names() -> None:
    sig = signature("text -> where: Point", types={"Point": Point})
    assert sig.output_fields()["where"].annotation is Point


@pytest.mark.parametrize(
    "spec", ["question answer", "q -> a -> b", "q -> 1a", "q -> a: nosuchtype", "q -> a, a"]
)
def test_bad_string_signatures_raise_signature_error(spec: str) -> None:
    with pytest.raises(ka.SignatureError):
        signature(spec)


def test_a_signature_without_outputs_is_rejected() -> None:
    with pytest.raises(ka.SignatureError, match="no OutputField"):

        class NoOut(Signature):
            q: str = InputField()


def test_a_bare_annotation_is_rejected_naming_the_field() -> None:
    with pytest.raises(ka.SignatureError) as info:

        class Bare(Signature):
            q: str
            a: str = OutputField()

    assert info.value.field == "q"


def test_valid_inputs_are_returned_with_defaults_filled() -> None:
    values = Rich.validate_inputs(
        {"n": 3, "point": {"x": 1, "y": 2}, "span": {"start": 0, "end": 4}}
    )
    assert values["flag"] is False
    assert values["tags"] == []
    assert values["point"] == Point(x=1, y=2)
    assert values["span"] == Span(0, 4)
    assert Answer.validate_inputs({"question": "q"})["context"] is None


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({}, "question"),
        ({"question": "q", "extra": 1}, "extra"),
        ({"question": 5}, "question"),
        ({"question": "q", "context": ["not", "text"]}, "context"),
    ],
)
def test_missing_unknown_or_wrongly_typed_inputs_name_the_field(
    inputs: dict[str, object], field: str
) -> None:
    with pytest.raises(ka.SignatureError) as info:
        Answer.validate_inputs(inputs)
    assert info.value.field == field
    assert repr(field) in str(info.value)


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"n": "5", "point": {"x": 1, "y": 2}, "span": {"start": 0, "end": 1}}, "n"),
        ({"n": 5, "point": {"x": "a", "y": 2}, "span": {"start": 0, "end": 1}}, "point"),
        ({"n": 5, "point": {"x": 1, "y": 2}, "span": {"start": "0", "end": 1}}, "span"),
        ({"n": 5, "point": {"x": 1, "y": 2}, "span": {"start": 0, "end": 1}, "tags": [1]}, "tags"),
    ],
)
def test_inputs_are_validated_strictly_including_nested_models_and_structs(
    inputs: dict[str, object], field: str
) -> None:
    with pytest.raises(ka.SignatureError) as info:
        Rich.validate_inputs(inputs)
    assert info.value.field == field


def test_outputs_validate_leniently_and_dump_to_json() -> None:
    spec = Rich.output_fields()
    assert spec["where"].validate({"x": "1", "y": 2}, strict=False) == Point(x=1, y=2)
    spans = spec["spans"].validate([{"start": 0, "end": 1}], strict=False)
    assert spans == [Span(0, 1)]
    assert spec["spans"].to_json(spans) == [{"start": 0, "end": 1}]
    assert spec["where"].to_json(Point(x=1, y=2)) == {"x": 1, "y": 2}
    with pytest.raises(ValueError, match="very"):
        Answer.output_fields()["confidence"].validate("very", strict=False)
