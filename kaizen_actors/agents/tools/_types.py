"""What crosses between a model and its tools: a call, its result, a tool's spec."""

from __future__ import annotations

import json
from typing import Any

import msgspec

__all__ = ["ToolCall", "ToolResult", "ToolSpec"]


class ToolCall(msgspec.Struct, kw_only=False):
    """A model's request to call one tool.

    Script one for :class:`~kaizen_actors.agents.ScriptedModel`:
    ``ScriptedModel([ka.ToolCall("add", {"a": 2, "b": 3}), "The sum is 5."])``.

    Attributes:
        name: the tool's name.
        arguments: its arguments (a JSON object).
        id: the call's id, echoed in the ``tool`` message that answers it
            (assigned when empty).
        raw_arguments: the model's arguments text when it was not a JSON
            object (then ``arguments`` is empty and the call fails).

    Version added: 0.1

    """

    name: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)
    id: str = ""
    raw_arguments: str | None = None

    def to_message(self) -> dict[str, Any]:
        """The OpenAI-style ``tool_calls`` entry of the assistant message."""
        text = self.raw_arguments
        if text is None:
            text = json.dumps(self.arguments, ensure_ascii=False)
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": text},
        }


class ToolResult(msgspec.Struct, kw_only=True):
    """What one tool call gave back (``AgentResult.tool_calls`` lists them).

    Attributes:
        tool: the tool's name.
        arguments: the arguments it was called with.
        id: the call's id.
        result: the text the model was shown (the error text on failure).
        error: the error text when the call failed, else ``None``.

    Version added: 0.1

    """

    tool: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)
    id: str = ""
    result: str = ""
    error: str | None = None


class ToolSpec(msgspec.Struct, frozen=True):
    """A tool as offered to the model: name, description, JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]

    def to_openai(self) -> dict[str, Any]:
        """The ``tools=`` entry of an OpenAI-style (litellm) request."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }
