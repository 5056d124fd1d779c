"""The run events themselves: tagged msgspec structs, their codec, usage, run ids."""

from __future__ import annotations

import os
from typing import Any, Union

import msgspec

from ..messages._codec import DECODE_FAILURES, ENCODE_FAILURES, decode_failure, encode_failure
from ..messages._errors import DecodeError
from ..messages._message import TAG_FIELD

__all__ = [
    "AgentFinished",
    "AgentStarted",
    "Event",
    "RoundStarted",
    "RunFailed",
    "RunFinished",
    "RunStarted",
    "Token",
    "ToolCalled",
    "Usage",
    "Vote",
    "decode_event",
    "add_costs",
    "encode_event",
    "new_run_id",
]


def new_run_id() -> str:
    """A fresh run id: 128 random bits in hex (every run of agents and teams takes one)."""
    return os.urandom(16).hex()


def add_costs(a: float | None, b: float | None) -> float | None:
    """The sum of two costs in US dollars; unknown (``None``) when either is unknown."""
    return None if a is None or b is None else a + b


class Usage(msgspec.Struct, kw_only=True):
    """Tokens, cost and model calls spent.

    ``cost`` is in US dollars, ``None`` when the provider's price is unknown.
    Usages add up with ``+``.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost=add_costs(self.cost, other.cost),
            calls=self.calls + other.calls,
        )


class Event(msgspec.Struct, tag=True, tag_field=TAG_FIELD, kw_only=True):
    """Base of all run events.

    Attributes:
        run_id: the run this event belongs to.
        seq: position in the run's stream, gap-free from 0.
        agent: the agent that produced it, ``None`` for run-level events.

    """

    run_id: str = ""
    seq: int = 0
    agent: str | None = None


class RunStarted(Event):
    """A run began. ``pattern`` names the coordination pattern (``"agent"`` alone)."""

    pattern: str = "agent"
    inputs: dict[str, Any] = {}


class RoundStarted(Event):
    """A round (debate, consensus) or step (pipeline) began."""

    round: int = 0


class AgentStarted(Event):
    """An agent began a turn with these inputs."""

    round: int = 0
    inputs: dict[str, Any] = {}


class Token(Event):
    """A piece of an output field's text as the model streams it."""

    text: str = ""
    field: str = ""


class ToolCalled(Event):
    """A tool call of an agent's turn finished; ``result`` is what the model was shown.

    ``error`` holds the error text when the call failed (the model saw it as the result).
    """

    tool: str = ""
    call_id: str = ""
    arguments: dict[str, Any] = {}
    result: str = ""
    error: str | None = None


class AgentFinished(Event):
    """An agent finished a turn with validated ``output`` fields."""

    round: int = 0
    output: dict[str, Any] = {}
    usage: Usage = msgspec.field(default_factory=Usage)


class Vote(Event):
    """A voter's choice in a consensus round."""

    round: int = 0
    choice: str = ""


class RunFinished(Event):
    """The run ended with ``output``; the last event of a successful run."""

    output: dict[str, Any] = {}
    usage: Usage = msgspec.field(default_factory=Usage)


class RunFailed(Event):
    """The run failed; the last event of a failed run.

    ``reason`` is ``"error"``, ``"timeout"``, ``"budget"`` or ``"cancelled"``.
    """

    reason: str = "error"
    error: str = ""
    error_type: str = ""


AnyEvent = Union[  # noqa: UP007 - a runtime union for the decoder
    RunStarted,
    RoundStarted,
    AgentStarted,
    Token,
    ToolCalled,
    AgentFinished,
    Vote,
    RunFinished,
    RunFailed,
]
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(AnyEvent)


def encode_event(event: Event) -> bytes:
    """Encode an event as msgpack.

    Raises:
        EncodeError: when the event holds a value msgpack cannot carry.

    """
    try:
        return _encoder.encode(event)
    except ENCODE_FAILURES as exc:
        raise encode_failure("event", event, exc) from exc


def decode_event(data: bytes) -> Event:
    """Decode msgpack bytes into an event.

    Raises:
        DecodeError: when the bytes are not a known event.

    """
    try:
        return _decoder.decode(data)
    except DECODE_FAILURES as exc:
        raise DecodeError(f"cannot decode event: {decode_failure(exc)}") from exc
