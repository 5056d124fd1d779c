"""Building the chat messages of one model call.

The system message holds the instructions, the fields, the reply format and
the worked examples (few-shot demonstrations), if any;
remembered turns follow as user/assistant pairs; then the current inputs (and
notes from the coordination layer) as the user message; then, in order,
the turn's tool exchanges (an assistant message with ``tool_calls``, one
``role: tool`` message per call) and, on a retry, the bad reply and the
validation error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ..tools import ToolCall, ToolResult
    from ._signature import FieldSpec

__all__ = [
    "build_messages",
    "check_demos",
    "demo_text",
    "feedback_messages",
    "format_inputs",
    "reply_text",
    "system_prompt",
    "tool_messages",
    "value_text",
]


def value_text(value: Any) -> str:
    """A value as a prompt shows it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def format_inputs(inputs: dict[str, Any]) -> str:
    """``name: value`` lines of JSON-compatible inputs."""
    return "\n".join(f"{name}: {value_text(value)}" for name, value in inputs.items())


def _field_lines(fields: dict[str, FieldSpec]) -> list[str]:
    lines = []
    for name, spec in fields.items():
        desc = f": {spec.desc}" if spec.desc else ""
        lines.append(f"- {name} ({spec.type_label()}){desc}")
    return lines


def check_demos(
    demos: Iterable[Mapping[str, Any]], inputs: dict[str, FieldSpec], outputs: dict[str, FieldSpec]
) -> tuple[dict[str, Any], ...]:
    """Worked examples checked against the fields, their values JSON-compatible.

    Each demo maps field names to values: some inputs and at least one output.

    Raises:
        ConfigError: for a demo that is not a mapping, names an unknown
            field, has no output field, or holds a value its field rejects
            (key ``"demos"``).

    """
    checked = []
    for index, demo in enumerate(demos):
        if not hasattr(demo, "items"):
            raise ConfigError(
                f"demos[{index}]: expected a dict of field values, got {demo!r}", key="demos"
            )
        values: dict[str, Any] = {}
        for name, value in demo.items():
            spec = inputs.get(name) or outputs.get(name)
            if spec is None:
                known = ", ".join([*inputs, *outputs])
                raise ConfigError(
                    f"demos[{index}]: unknown field {name!r} (fields: {known})", key="demos"
                )
            try:
                values[name] = spec.to_json(spec.validate(value, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"demos[{index}]: field {name!r} expects {spec.type_label()}: {exc}",
                    key="demos",
                ) from None
        if not any(name in values for name in outputs):
            raise ConfigError(
                f"demos[{index}]: a worked example needs an output field", key="demos"
            )
        checked.append(values)
    return tuple(checked)


def reply_text(outputs: dict[str, Any]) -> str:
    """Output values as the model is asked to reply: one text output as it is, else JSON."""
    if len(outputs) == 1 and isinstance(next(iter(outputs.values())), str):
        return str(next(iter(outputs.values())))
    return json.dumps(outputs, ensure_ascii=False, default=str)


def demo_text(
    demos: Iterable[dict[str, Any]], inputs: dict[str, FieldSpec], outputs: dict[str, FieldSpec]
) -> str:
    """The worked examples section of a system message ("" without demos)."""
    blocks = []
    for number, demo in enumerate(demos, 1):
        lines = [f"Example {number}:"]
        given = format_inputs({n: demo[n] for n in inputs if n in demo})
        if given:
            lines.append(given)
        lines.append("Reply: " + reply_text({n: demo[n] for n in outputs if n in demo}))
        blocks.append("\n".join(lines))
    return "Worked examples:\n\n" + "\n\n".join(blocks) if blocks else ""


def system_prompt(
    instructions: str,
    inputs: dict[str, FieldSpec],
    outputs: dict[str, FieldSpec],
    demos: Iterable[dict[str, Any]] = (),
) -> str:
    """The system message of a signature (once per agent); ``demos`` from :func:`check_demos`."""
    parts = [instructions.strip()] if instructions.strip() else []
    if inputs:
        parts.append("Inputs:\n" + "\n".join(_field_lines(inputs)))
    parts.append("Outputs:\n" + "\n".join(_field_lines(outputs)))
    names = ", ".join(json.dumps(n) for n in outputs)
    if len(outputs) == 1 and next(iter(outputs.values())).is_text:
        (name,) = outputs
        parts.append(f"Reply with the {name} only, as plain text.")
    else:
        parts.append(
            f"Reply with one JSON object with exactly these keys: {names}. "
            "Values must have the types listed above."
        )
    examples = demo_text(demos, inputs, outputs)
    if examples:
        parts.append(examples)
    return "\n\n".join(parts)


def build_messages(
    system: str,
    inputs: dict[str, Any],
    *,
    history: Iterable[dict[str, str]] = (),
    notes: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The chat messages of one call.

    Args:
        system: the signature's system message.
        inputs: the turn's inputs, JSON-compatible.
        history: remembered turns as chat messages.
        notes: extra context for this turn (e.g. other agents' answers).

    """
    messages = [{"role": "system", "content": system}, *history]
    user = format_inputs(inputs)
    extra = "\n\n".join(n for n in notes if n)
    if extra:
        user = f"{user}\n\n{extra}" if user else extra
    messages.append({"role": "user", "content": user})
    return messages


def feedback_messages(reply: str, error: str) -> list[dict[str, Any]]:
    """The bad reply and the validation error, for a retry."""
    return [
        {"role": "assistant", "content": reply},
        {
            "role": "user",
            "content": f"Your reply could not be used: {error}. "
            "Reply again, in the format asked for.",
        },
    ]


def tool_messages(
    text: str, calls: Iterable[ToolCall], results: Iterable[ToolResult]
) -> list[dict[str, Any]]:
    """The assistant message asking for ``calls`` and the ``tool`` messages answering them.

    Args:
        text: what the model wrote alongside the calls (often nothing).
        calls: the calls, with their ids.
        results: their results, in the same order.

    """
    messages: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": text or None,
            "tool_calls": [call.to_message() for call in calls],
        }
    ]
    for result in results:
        messages.append(
            {
                "role": "tool",
                "tool_call_id": result.id,
                "content": result.result,
            }
        )
    return messages
