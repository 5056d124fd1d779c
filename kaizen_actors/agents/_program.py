"""One agent turn: prompt, stream, parse, retry; shared by every execution path.

A :class:`Program` is an agent's compiled signature, model and memory. Its
Kailash node (``KaizenLLMAgentNode``) finds it by key in a process-wide weak
registry and calls :meth:`Program.execute`. What the node cannot pass through
Kailash (the token sink, the typed inputs, the typed result, the original
exception) travels in a :class:`TurnState` held by the ``CURRENT_TURN``
context variable, which Kailash's node tasks inherit.
"""

from __future__ import annotations

import contextvars
import weakref
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anyio.lowlevel import checkpoint

from ..messages import OutputParseError
from ._model import UsageMeter
from ._output import FieldStream, InvalidReply, parse_reply
from ._prompt import build_messages, system_prompt

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from ..events import Usage
    from ._memory import Memory
    from ._model import ChatModel
    from ._signature import Signature

__all__ = ["CURRENT_TURN", "Prediction", "Program", "TurnState", "lookup_program"]


class Prediction:
    """The validated output fields of a turn.

    Read a field as an attribute (``result.output.answer``) or an item
    (``result.output["answer"]``); :meth:`to_dict` gives the typed values.

    Version added: 0.1
    """

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"no output field {name!r} (fields: {list(self._values)})"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Prediction is read-only")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Prediction):
            return self._values == other._values
        if isinstance(other, dict):
            return self._values == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Prediction({inner})"

    def to_dict(self) -> dict[str, Any]:
        """The output values by field name (typed, as validated)."""
        return dict(self._values)


@dataclass(eq=False)
class TurnState:
    """What one turn passes to its node besides Kailash parameters, and gets back."""

    on_token: Callable[[str, str], Awaitable[None]] | None = None
    inputs: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    values: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    usage: Usage | None = None
    raw: str = ""
    attempts: int = 0
    error: BaseException | None = field(default=None, repr=False)


CURRENT_TURN: contextvars.ContextVar[TurnState | None] = contextvars.ContextVar(
    "kaizen_actors_turn", default=None
)

_programs: weakref.WeakValueDictionary[str, Program] = weakref.WeakValueDictionary()


def lookup_program(key: str) -> Program:
    """The live program registered under ``key``.

    Raises:
        LookupError: when its agent no longer exists.

    """
    try:
        return _programs[key]
    except KeyError:
        raise LookupError(
            f"no live kaizen agent {key!r} (was the Agent garbage-collected?)"
        ) from None


class Program:
    """An agent's compiled signature, model, memory and retry policy."""

    def __init__(
        self,
        key: str,
        signature: type[Signature],
        model: ChatModel,
        *,
        instructions: str | None,
        memory: Memory | None,
        max_retries: int,
    ) -> None:
        self.key = key
        self.signature = signature
        self.model = model
        self.memory = memory
        self.max_retries = max_retries
        self.inputs = signature.input_fields()
        self.outputs = signature.output_fields()
        text = "\n\n".join(t for t in (signature.instructions(), instructions or "") if t)
        self.system = system_prompt(text, self.inputs, self.outputs)
        _programs[key] = self

    def inputs_to_json(self, values: dict[str, Any]) -> dict[str, Any]:
        """JSON-compatible form of validated inputs."""
        return {name: self.inputs[name].to_json(v) for name, v in values.items()}

    async def execute(self, values: dict[str, Any], turn: TurnState) -> dict[str, Any]:
        """Run one turn: call the model, parse its reply, retry on invalid replies.

        Args:
            values: validated inputs.
            turn: where tokens go and where the typed result is stored.

        Returns:
            The JSON-compatible output fields (the node's result).

        Raises:
            OutputParseError: when no reply validated after ``max_retries``
                retries; ``.raw`` holds the last reply.
            ModelError: when the model failed.

        """
        meter = UsageMeter()
        json_inputs = self.inputs_to_json(values)
        history = self.memory.messages() if self.memory is not None else []
        feedback: list[tuple[str, str]] = []
        on_token = turn.on_token
        raw = ""
        for attempt in range(1, self.max_retries + 2):
            messages = build_messages(
                self.system, json_inputs, history=history, notes=turn.notes, feedback=feedback
            )
            parts: list[str] = []
            fields = FieldStream(self.outputs) if on_token is not None else None
            async with aclosing(self.model.stream(messages, meter)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    parts.append(chunk)
                    if fields is not None:
                        for name, text in fields.feed(chunk):
                            await on_token(name, text)  # type: ignore[misc]
                        # A cancel requested while emitting (by the consumer,
                        # possibly from another task) lands here, before the
                        # next chunk, even when the model never suspends.
                        await checkpoint()
            raw = "".join(parts)
            turn.attempts = attempt
            try:
                values_out = parse_reply(raw, self.outputs)
            except InvalidReply as exc:
                feedback.append((raw, str(exc)))
                continue
            output = {name: self.outputs[name].to_json(v) for name, v in values_out.items()}
            if self.memory is not None:
                self.memory.add(json_inputs, output)
            turn.values, turn.output, turn.raw = values_out, output, raw
            turn.usage = meter.to_usage()
            return output
        turn.usage = meter.to_usage()
        raise OutputParseError(
            f"{self.signature.__name__}: the model's reply did not validate after "
            f"{self.max_retries + 1} attempts: {feedback[-1][1]}",
            raw=raw,
        )
