from __future__ import annotations

import contextlib
import datetime as dt

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaizen_actors as ka


class Point(msgspec.Struct):
    x: int
    y: int


class Shape(ka.Message, tag="test.codec.Shape"):
    name: str
    points: list[Point]
    blob: bytes
    at: dt.datetime
    label: str | None = None
    size: int | float = 0


class Circle(ka.Message, tag="test.codec.Circle"):
    r: float


class Scene(ka.Message, tag="test.codec.Scene"):
    items: list[Shape | Circle] = msgspec.field(default_factory=list)


def test_a_message_round_trips_by_its_tag_with_nested_bytes_datetime_optional_and_union() -> None:
    shape = Shape(
        "tri", [Point(0, 0), Point(1, 2)], b"\x00\xff", dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    scene = Scene([shape, Circle(2.5)])
    assert ka.decode(ka.encode(scene)) == scene
    assert ka.decode(ka.encode(Shape("s", [], b"", shape.at, "x", 1.5))).size == 1.5


def test_the_tag_travels_in_the_dollar_type_field() -> None:
    assert msgspec.msgpack.decode(ka.encode(Circle(1.0)))["$type"] == "test.codec.Circle"
    assert ka.messages.TAG_FIELD == "$type"


def test_the_default_tag_is_the_class_name() -> None:
    class Plain(ka.Message):
        a: int = 1

    assert msgspec.msgpack.decode(ka.encode(Plain()))["$type"] == "Plain"


def test_two_classes_with_one_tag_are_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"already used.*tag="):

        class Circle(ka.Message, tag="test.codec.Circle"):
            r: float


def test_unknown_tags_raise_decode_error() -> None:
    data = msgspec.msgpack.encode({"$type": "nobody.knows", "x": 1})
    with pytest.raises(ka.DecodeError, match=r"nobody\.knows"):
        ka.decode(data)


def test_a_wrong_field_type_raises_decode_error_naming_the_field() -> None:
    data = msgspec.msgpack.encode({"$type": "test.codec.Circle", "r": "wide"})
    with pytest.raises(ka.DecodeError, match=r"\$\.r"):
        ka.decode(data)


def test_encode_refuses_what_is_not_a_message() -> None:
    with pytest.raises(TypeError, match="Message"):
        ka.encode({"a": 1})  # type: ignore[arg-type]


points = st.builds(Point, st.integers(-(2**63), 2**63 - 1), st.integers(-5, 5))
shapes = st.builds(
    Shape,
    name=st.text(),
    points=st.lists(points, max_size=4),
    blob=st.binary(max_size=64),
    at=st.datetimes(timezones=st.just(dt.UTC)),
    label=st.none() | st.text(max_size=8),
    size=st.integers(-1000, 1000) | st.floats(allow_nan=False),
)
circles = st.builds(Circle, st.floats(allow_nan=False))


@given(st.builds(Scene, st.lists(shapes | circles, max_size=5)))
def test_generated_messages_round_trip(scene: Scene) -> None:
    assert ka.decode(ka.encode(scene)) == scene


@given(st.binary(max_size=256))
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(ka.DecodeError):
        ka.decode(data)


@given(st.builds(Scene, st.lists(shapes | circles, min_size=1, max_size=3)), st.data())
def test_truncated_frames_raise_only_decode_error(scene: Scene, data: st.DataObject) -> None:
    frame = ka.encode(scene)
    cut = data.draw(st.integers(0, len(frame) - 1))
    with pytest.raises(ka.DecodeError):
        ka.decode(frame[:cut])


class Anything(ka.Message, tag="test.codec.Anything"):
    value: object = None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (2**70, "int outside"),
        (-(2**70), "int outside"),
        ("bad \ud800 text", "not valid Unicode"),
        (object(), "unsupported"),
    ],
)
def test_encode_raises_one_encode_error_for_every_value_it_cannot_carry(value, why) -> None:
    with pytest.raises(ka.EncodeError, match=why) as info:
        ka.encode(Anything(value))
    assert isinstance(info.value, TypeError) and isinstance(info.value, ka.KaizenError)
    assert info.value.__cause__ is not None


def test_encode_refuses_deep_nesting_with_an_encode_error() -> None:
    value: list = []
    for _ in range(5000):
        value = [value]
    with pytest.raises(ka.EncodeError, match="nests deeper"):
        ka.encode(Anything(value))


def test_encode_of_a_non_message_is_an_encode_error() -> None:
    with pytest.raises(ka.EncodeError, match=r"takes a kaizen_actors\.Message"):
        ka.encode({"not": "a message"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [{"tag": False}, {"tag": 7}, {"tag_field": "kind"}],
    ids=["untagged", "int-tag", "other-tag-field"],
)
def test_a_message_class_that_would_break_the_union_is_refused_at_definition(options) -> None:
    with pytest.raises(TypeError, match="needs a string tag"):

        class Odd(ka.Message, **options):  # type: ignore[misc]
            n: int = 0

    assert ka.decode(ka.encode(Circle(1.0))) == Circle(1.0)


def test_a_message_class_msgspec_cannot_add_to_the_union_is_refused_with_its_reason() -> None:
    with pytest.raises(TypeError, match=r"cannot join the union of messages: .*array_like"):

        class Row(ka.Message, array_like=True, tag="test.codec.Row"):
            n: int = 0

    assert ka.decode(ka.encode(Circle(2.0))) == Circle(2.0)


def test_decode_errors_say_what_went_wrong() -> None:
    with pytest.raises(ka.DecodeError, match="from str: a bytes-like object is required") as info:
        ka.decode("not bytes")  # type: ignore[arg-type]
    assert info.value.__cause__ is not None
