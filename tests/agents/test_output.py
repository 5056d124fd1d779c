from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kailash.runtime.local import LocalRuntime

import kaizen_actors as ka
from kaizen_actors.agents import Agent, ScriptedModel, signature
from kaizen_actors.agents.signatures._fields import FieldStream
from kaizen_actors.agents.signatures._parse import (
    MAX_DEPTH,
    MAX_REPLY_CHARS,
    OFF_LOOP_CHARS,
    InvalidReply,
    parse_reply,
    read_reply,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

TWO = signature("question -> answer: str, confidence: float").output_fields()
ONE = signature("question -> answer").output_fields()
ONE_INT = signature("question -> n: int").output_fields()


@pytest.mark.parametrize(
    "reply",
    [
        '{"answer": "yes", "confidence": 0.9}',
        '```json\n{"answer": "yes", "confidence": 0.9}\n```',
        'Here is my answer:\n{"answer": "yes", "confidence": "0.9"} hope it helps',
        'Sure.\n```\n{"answer": "yes", "confidence": 0.9}\n```\nDone.',
        '{"other": 1} then {"answer": "yes", "confidence": 0.9}',
    ],
)
def test_json_replies_parse_plain_fenced_and_after_prose(reply: str) -> None:
    assert parse_reply(reply, TWO) == {"answer": "yes", "confidence": 0.9}


def test_a_single_output_field_accepts_plain_text() -> None:
    assert parse_reply("  Yes, it is prime.\n", ONE) == {"answer": "Yes, it is prime."}
    assert parse_reply('{"answer": "json works too"}', ONE) == {"answer": "json works too"}
    assert parse_reply(" 42 ", ONE_INT) == {"n": 42}


def test_a_wrongly_typed_value_is_rejected_naming_the_field() -> None:
    with pytest.raises(InvalidReply, match="'confidence' must be float") as info:
        parse_reply('{"answer": "yes", "confidence": "very"}', TWO)
    assert "very" in str(info.value)


def test_missing_fields_and_non_json_replies_are_rejected() -> None:
    with pytest.raises(InvalidReply, match="missing field 'confidence'"):
        parse_reply('{"answer": "yes"}', TWO)
    with pytest.raises(InvalidReply, match="not a JSON object"):
        parse_reply("yes, about 0.9", TWO)


def test_optional_outputs_may_be_left_out() -> None:
    fields = signature("q -> a: str, b: int | None").output_fields()
    assert parse_reply('{"a": "x"}', fields) == {"a": "x", "b": None}


@pytest.mark.parametrize(
    "reply",
    [
        'Use { with care: {"answer": "yes", "confidence": 0.9}',
        '{ I would say: {"answer": "yes", "confidence": 0.9} }',
        '{"result": {"answer": "yes", "confidence": 0.9}}',
        '{"a": [{}, {"b": "}"}]} and {"answer": "yes", "confidence": 0.9}',
        '{"notes": "say \\"{\\"", "answer": "yes", "confidence": 0.9}',
    ],
)
def test_objects_are_found_past_stray_braces_and_inside_other_objects(reply: str) -> None:
    assert parse_reply(reply, TWO) == {"answer": "yes", "confidence": 0.9}


def _nested(depth: int) -> str:
    """A valid reply whose JSON nests ``depth`` levels deep."""
    arrays = "[" * (depth - 1) + "]" * (depth - 1)
    return '{"answer": "yes", "confidence": 0.9, "n": ' + arrays + "}"


def test_json_may_nest_max_depth_levels_and_no_deeper() -> None:
    assert parse_reply(_nested(MAX_DEPTH), TWO) == {"answer": "yes", "confidence": 0.9}
    with pytest.raises(InvalidReply, match=f"more than {MAX_DEPTH} levels deep"):
        parse_reply(_nested(MAX_DEPTH + 1), TWO)


DEEP_REPLIES = [
    '{"answer": ' + "[" * 10_000 + "]" * 10_000 + ', "confidence": 0.5}',
    "```json\n" + '{"answer": "x", "confidence": ' + "[" * 10_000 + "]" * 10_000 + "}\n```",
    "Here: " + '{"answer": {"a": ' * 10_000 + "1" + "}" * 10_000,
]


@pytest.mark.anyio
@pytest.mark.parametrize("reply", DEEP_REPLIES, ids=["arrays", "fenced", "after-prose"])
async def test_deep_nesting_is_retried_then_an_output_parse_error(reply: str) -> None:
    model = ScriptedModel([reply] * 3)
    agent = Agent("solver", signature="question -> answer: str, confidence: float", model=model)
    with pytest.raises(ka.OutputParseError, match=f"more than {MAX_DEPTH} levels") as info:
        await agent.run(question="q")
    assert info.value.raw == reply
    assert len(model.calls) == 3  # max_retries=2: three attempts
    assert f"more than {MAX_DEPTH} levels deep" in model.calls[1][-1]["content"]


async def _worst_gap(work: Callable[[], Awaitable[object]]) -> tuple[float, BaseException | None]:
    """Run ``work`` beside a 5 ms heartbeat; the longest gap between beats and what it raised."""
    worst = 0.0
    error: BaseException | None = None

    async def beat() -> None:
        nonlocal worst
        last = time.perf_counter()
        while True:
            await anyio.sleep(0.005)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now

    async with anyio.create_task_group() as tg:
        tg.start_soon(beat)
        await anyio.sleep(0.02)
        try:
            await work()
        except Exception as exc:
            error = exc
        tg.cancel_scope.cancel()
    return worst, error


MEGABYTE = 1_000_000
# Without whitespace: ScriptedModel streams a reply word by word, and splitting
# a megabyte into words is a stall of its own, outside the parser.
ADVERSARIAL = {
    "open-braces": "{" * MEGABYTE,
    "unterminated-strings": ('{"a":"' * MEGABYTE)[:MEGABYTE],
    "open-objects": ('{"answer":' * MEGABYTE)[:MEGABYTE],
    "open-arrays": '{"answer":' + "[" * MEGABYTE,
    "empty-objects": "{}" * (MEGABYTE // 2),
    "objects-without-keys": ('{"a":1}' * MEGABYTE)[:MEGABYTE],
}


@pytest.mark.anyio
@pytest.mark.parametrize("reply", list(ADVERSARIAL.values()), ids=list(ADVERSARIAL))
async def test_a_megabyte_of_adversarial_reply_never_stalls_the_loop(reply: str) -> None:
    valid = '{"answer": "yes", "confidence": 0.9}'
    model = ScriptedModel([valid, reply, reply, reply])
    agent = Agent("solver", signature="question -> answer: str, confidence: float", model=model)
    await agent.run(question="warm up")  # compiles the workflow and the validators
    worst, error = await _worst_gap(lambda: agent.run(question="q"))
    assert isinstance(error, ka.OutputParseError)
    assert error.raw == reply
    assert len(model.calls) == 4
    assert worst < 0.05, f"the event loop stalled {worst * 1000:.0f} ms"


@pytest.mark.anyio
async def test_a_long_reply_parses_in_a_worker_thread() -> None:
    reply = json.dumps({"answer": "x" * OFF_LOOP_CHARS * 4, "confidence": 0.5})
    worst, error = await _worst_gap(lambda: read_reply(reply, TWO))
    assert error is None
    assert await read_reply(reply, TWO) == {"answer": "x" * OFF_LOOP_CHARS * 4, "confidence": 0.5}
    assert await read_reply('{"answer": "short", "confidence": 1}', TWO) == {
        "answer": "short",
        "confidence": 1.0,
    }
    assert worst < 0.05


def test_a_long_reply_parses_through_the_sync_core_sdk_pattern() -> None:
    reply = json.dumps({"answer": "y" * OFF_LOOP_CHARS * 4, "confidence": 0.5})
    model = ScriptedModel([reply])
    agent = Agent("solver", signature="question -> answer: str, confidence: float", model=model)
    with LocalRuntime(enable_monitoring=False) as runtime:
        results, _run_id = runtime.execute(agent.workflow.build(), parameters={"question": "q"})
    assert results["agent"] == {"answer": "y" * OFF_LOOP_CHARS * 4, "confidence": 0.5}


@pytest.mark.anyio
async def test_a_reply_over_the_size_limit_is_refused_at_once() -> None:
    reply = "x" * (MAX_REPLY_CHARS + 1)
    model = ScriptedModel([reply] * 3)
    agent = Agent("solver", signature="question -> answer", model=model)
    with pytest.raises(ka.OutputParseError, match="over the limit") as info:
        await agent.run(question="q")
    assert info.value.raw == reply
    assert len(model.calls) == 1  # not sent back to the model
    assert parse_reply("x" * MAX_REPLY_CHARS, ONE) == {"answer": "x" * MAX_REPLY_CHARS}


def _collect(stream: FieldStream, chunks: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in chunks:
        for field, text in stream.feed(chunk):
            out[field] = out.get(field, "") + text
    return out


def test_field_stream_yields_field_text_without_json_punctuation() -> None:
    reply = '```json\n{"answer": "Yes, \\"1009\\" is prime\\n", "confidence": 0.95}\n```'
    got = _collect(FieldStream(TWO), list(reply))
    assert got == {"answer": 'Yes, "1009" is prime\n', "confidence": "0.95"}


def test_field_stream_skips_unknown_keys_and_prose_before_the_object() -> None:
    reply = 'Thinking... {"notes": "skip {me}", "answer": "ok", "confidence": 1}'
    assert _collect(FieldStream(TWO), [reply]) == {"answer": "ok", "confidence": "1"}


def test_field_stream_passes_plain_text_through_for_one_field() -> None:
    assert _collect(FieldStream(ONE), ["  Hello", " big", " world"]) == {
        "answer": "Hello big world"
    }


def test_field_stream_decodes_unicode_escapes_and_surrogate_pairs() -> None:
    reply = json.dumps({"answer": "caf\u00e9 \U0001f600", "confidence": 0.5})
    assert _collect(FieldStream(TWO), list(reply))["answer"] == "caf\u00e9 \U0001f600"


values = st.fixed_dictionaries(
    {
        "answer": st.text(max_size=30),
        "confidence": st.floats(allow_nan=False, allow_infinity=False, width=32),
    }
)


@given(values, st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=40))
def test_field_stream_text_does_not_depend_on_chunking(
    obj: dict[str, object], cuts: list[int]
) -> None:
    reply = json.dumps(obj, ensure_ascii=bool(cuts[0] % 2))
    chunks, pos = [], 0
    for cut in cuts:
        chunks.append(reply[pos : pos + cut])
        pos += cut
    chunks.append(reply[pos:])
    got = _collect(FieldStream(TWO), chunks)
    assert got.get("answer", "") == obj["answer"]
    assert json.loads(got["confidence"]) == obj["confidence"]


def test_json_escapes_of_lone_surrogates_become_replacement_characters() -> None:
    from kaizen_actors.agents import TEXT_REPAIRS

    outputs = signature("question -> answer, note").output_fields()
    before = TEXT_REPAIRS.lone_surrogates
    reply = '{"answer": "a\\ud800b", "note": "c\\udc00d\\ud83d\\ude00"}'
    assert parse_reply(reply, outputs) == {"answer": "a\ufffdb", "note": "c\ufffdd\U0001f600"}
    stream = FieldStream(outputs)
    text = "".join(t for _, t in stream.feed(reply))
    assert text == "a\ufffdbc\ufffdd\U0001f600"
    assert TEXT_REPAIRS.lone_surrogates - before == 4  # two in the reply, two in its stream
