"""Reading the model's finished reply: finding its JSON object and validating the fields.

:func:`parse_reply` turns a finished reply into validated output values. The
reply may be a JSON object keyed by the output field names, such an object in a
```` ```json ```` fence or after some prose, or, for a signature with one output
field, plain text. Async callers use :func:`read_reply`, which parses a long
reply in a worker thread.

Limits: a reply is read in time linear in its length (one scan finds the
candidate objects, which are then decoded); JSON in it may nest objects and
arrays :data:`MAX_DEPTH` levels deep; a reply longer than
:data:`OFF_LOOP_CHARS` characters is parsed off the event loop by
:func:`read_reply`, and one longer than :data:`MAX_REPLY_CHARS` is refused
unread (:class:`ReplyTooLarge`).

The text of the fields as the reply streams is :mod:`._fields`' job.
"""

from __future__ import annotations

import json
import re
import time
from itertools import chain
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from ..models._text import encodable_value

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ._signature import FieldSpec

__all__ = [
    "STRING_STOP",
    "MAX_DEPTH",
    "MAX_REPLY_CHARS",
    "OFF_LOOP_CHARS",
    "InvalidReply",
    "ReplyTooLarge",
    "parse_reply",
    "read_reply",
]

MAX_DEPTH = 64
"""Deepest nesting of JSON objects and arrays read in a reply; deeper JSON makes it invalid."""

OFF_LOOP_CHARS = 2 * 1024
"""Replies longer than this (characters) are parsed in a worker thread by :func:`read_reply`."""

MAX_REPLY_CHARS = 4 * 1024 * 1024
"""Replies longer than this (characters) are refused unread: :class:`ReplyTooLarge`."""


class InvalidReply(ValueError):
    """A reply that does not validate; the message is shown to the model on retry."""


class ReplyTooLarge(InvalidReply):
    """A reply longer than :data:`MAX_REPLY_CHARS`: refused unread, not worth a retry."""


_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
_STRUCTURE = re.compile(r'[{}\[\]"]')
STRING_STOP = re.compile(r'["\\]')
"""Where a JSON string's text stops being plain: its closing quote or an escape."""
_HAND_OVER_EVERY = 0.002
"""Seconds of scanning between two hand-overs of the GIL."""


def _string_end(text: str, i: int) -> int:
    """The index after the closing quote of the JSON string whose text starts at ``i``."""
    n = len(text)
    while True:
        m = STRING_STOP.search(text, i)
        if m is None:
            return n
        j = m.start()
        if text[j] == '"':
            return j + 1
        i = j + 2  # an escape: skip the escaped character


def _groups(text: str) -> Iterator[tuple[list[int], list[int], bool]]:
    """The ``{...}`` spans of ``text`` found in one pass, grouped by outermost ``{``.

    From each ``{`` outside a group the scan follows JSON's strings and
    brackets until its brackets balance (or the text ends); every character
    is looked at once. A group is the starts of its objects in order, their
    ends (``-1`` for one not closed) and whether its nesting went past
    :data:`MAX_DEPTH`. Past it, the scan only counts brackets to find the
    group's end and closes no more of its objects (those open could not be
    decoded safely). Mismatched closing brackets are ignored.
    """
    n = len(text)
    search = _STRUCTURE.search
    steps = 0
    clock = time.perf_counter
    handed_over = clock()
    pos = text.find("{")
    while pos != -1:
        starts = [pos]
        ends = [-1]
        stack = [0]  # per open bracket: its object's index in starts, -1 for "["
        overflow = 0
        too_deep = False
        i = pos + 1
        while i < n:
            steps += 1
            if not steps & 255 and clock() - handed_over > _HAND_OVER_EVERY:
                # Hand the GIL over: in a worker thread, this lets the event
                # loop's thread run now instead of waiting out the
                # interpreter's switch interval (5 ms, or much longer under
                # load). sleep(0) costs about 0.1 ms, hence not more often.
                time.sleep(0)
                handed_over = clock()
            m = search(text, i)
            if m is None:
                i = n
                break
            j = m.start()
            ch = text[j]
            i = j + 1
            if ch == '"':
                i = _string_end(text, i)
            elif ch in "{[":
                if overflow or len(stack) == MAX_DEPTH:
                    overflow += 1
                    too_deep = True
                elif ch == "{":
                    stack.append(len(starts))
                    starts.append(j)
                    ends.append(-1)
                else:
                    stack.append(-1)
            elif overflow:
                overflow -= 1
            elif stack and (stack[-1] >= 0) == (ch == "}"):
                index = stack.pop()
                if index >= 0 and not too_deep:
                    ends[index] = i
                if not stack:
                    break
        yield starts, ends, too_deep
        pos = text.find("{", i) if i < n else -1


def _with_keys(obj: dict[str, Any], keys: dict[str, FieldSpec]) -> dict[str, Any] | None:
    """The first object in ``obj`` (itself, then its values, depth first) having one of ``keys``."""
    todo: list[Any] = [obj]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if keys.keys() & item.keys():
                return item
            todo.extend(reversed(item.values()))
        elif isinstance(item, list):
            todo.extend(reversed(item))
    return None


def _decoded(text: str, keys: dict[str, FieldSpec]) -> dict[str, Any] | None:
    """``text``, one JSON object of safe depth, decoded when it has one of ``keys``."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    return obj if keys.keys() & obj.keys() else None


def _fenced_object(block: str, keys: dict[str, FieldSpec]) -> dict[str, Any] | None:
    """A fenced block decoded, when all of it is one JSON object having one of ``keys``."""
    if not block.startswith("{"):
        return None
    _starts, ends, too_deep = next(_groups(block))
    if too_deep or ends[0] != len(block):
        return None
    return _decoded(block, keys)


def _find_object(text: str, keys: dict[str, FieldSpec]) -> tuple[dict[str, Any] | None, bool]:
    """The first JSON object in ``text`` that has one of ``keys``.

    The whole reply comes first, then each fenced block, then every object
    of the reply (nested ones too) in order of where it starts.

    Returns:
        The object (``None`` when there is none) and whether the scan met
        JSON nested deeper than :data:`MAX_DEPTH`.

    """
    groups = _groups(text)
    first = next(groups, None)
    if first is not None and not first[2]:
        stripped = text.strip()
        begin = len(text) - len(text.lstrip())
        if first[0][0] == begin and first[1][0] == begin + len(stripped):
            obj = _decoded(stripped, keys)
            if obj is not None:
                return obj, False
    for m in _FENCE.finditer(text):
        obj = _fenced_object(m.group(1).strip(), keys)
        if obj is not None:
            return obj, False
    # An object holding a key holds its name in quotes, or an escape spelling it.
    marks = re.compile("|".join(re.escape(f'"{key}"') for key in keys) + r"|\\")
    deep = False
    for starts, ends, too_deep in chain((first,) if first is not None else (), groups):
        deep = deep or too_deep
        decoded_until = -1
        for start, end in zip(starts, ends, strict=True):
            if end == -1 or start < decoded_until:
                continue  # not closed, or inside an object searched or holding no key
            if marks.search(text, start, end) is None:
                decoded_until = end
                continue
            try:
                found = _with_keys(json.loads(text[start:end]), keys)
            except ValueError:
                continue
            if found is not None:
                return found, deep
            decoded_until = end
    return None, deep


def parse_reply(text: str, outputs: dict[str, FieldSpec]) -> dict[str, Any]:
    """Parse and validate a finished reply, in time linear in its length.

    Args:
        text: the reply.
        outputs: the signature's output fields.

    Returns:
        The validated output values by field name.

    Raises:
        ReplyTooLarge: when the reply is longer than :data:`MAX_REPLY_CHARS`.
        InvalidReply: naming each field that is missing or does not validate,
            or saying that the reply's JSON nests deeper than :data:`MAX_DEPTH`.

    """
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyTooLarge(
            f"the reply is {len(text):,} characters long, over the limit of "
            f"{MAX_REPLY_CHARS:,}; ask for a shorter answer (in the signature's "
            "instructions, or with the model's max_tokens)"
        )
    obj, too_deep = _find_object(text, outputs)
    if obj is None:
        if too_deep:
            raise InvalidReply(
                f"the reply nests JSON objects or arrays more than {MAX_DEPTH} levels "
                "deep; reply with a flatter JSON object"
            )
        if len(outputs) == 1:
            (name,) = outputs
            obj = {name: _strip_fence(text.strip())}
        else:
            names = ", ".join(json.dumps(n) for n in outputs)
            raise InvalidReply(f"the reply is not a JSON object with the keys {names}")
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, spec in outputs.items():
        if name not in obj:
            if spec.optional:
                values[name] = None
                continue
            problems.append(f"missing field {name!r} ({spec.type_label()})")
            continue
        try:
            values[name] = spec.validate(encodable_value(obj[name]), strict=False)
        except ValueError as exc:
            problems.append(f"field {name!r} must be {spec.type_label()}: {exc}")
    if problems:
        raise InvalidReply("; ".join(problems))
    return values


async def read_reply(text: str, outputs: dict[str, FieldSpec]) -> dict[str, Any]:
    """:func:`parse_reply` for async code: a long reply is parsed in a worker thread.

    A reply of at most :data:`OFF_LOOP_CHARS` characters is parsed on the
    event loop (microseconds for a usual reply, about 2 ms at worst);
    a longer one in a worker thread, so the loop keeps running. Cancelling
    the caller does not wait for the thread.

    Raises:
        ReplyTooLarge: when the reply is longer than :data:`MAX_REPLY_CHARS`.
        InvalidReply: as :func:`parse_reply`.

    """
    if len(text) <= OFF_LOOP_CHARS:
        return parse_reply(text, outputs)
    return await anyio.to_thread.run_sync(parse_reply, text, outputs, abandon_on_cancel=True)


def _strip_fence(text: str) -> str:
    m = _FENCE.fullmatch(text)
    return m.group(1).strip() if m else text
