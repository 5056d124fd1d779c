"""One agent turn: prompt, stream, parse, retry; shared by every execution path.

A :class:`Program` is an agent's compiled signature, model and memory. Its
Kailash node (``KaizenLLMAgentNode``) finds it through the bridge
(:mod:`.kailash._bridge`) and calls :meth:`Program.execute` with the turn's
:class:`~._turn.TurnRequest`; it returns a :class:`~._turn.TurnOutcome`.

With tools, one attempt is a loop: the model is offered the tools; when its
reply asks for tool calls, they run (concurrently), their results go back as
``role: tool`` messages and the model is called again, until it answers.
Every model call of the turn adds to the turn's usage.

With a memory, the turn first asks it for context for its inputs (put in
the prompt as :mod:`.memory._provider` describes) and, once a reply
validated, stores the turn; without one, neither costs anything.
"""

from __future__ import annotations

from contextlib import aclosing
from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec
from anyio.lowlevel import checkpoint

from ..messages import OutputParseError, ToolError
from ._turn import TurnOutcome, TurnRequest
from .kailash._bridge import register_program
from .kailash._runtime import CancelProbe
from .memory._provider import as_provider, recall, takes_prompt, turn_context
from .models._call import ModelCall, ModelReply, around_model
from .models._model import UsageMeter
from .models._text import encodable, encodable_value
from .signatures._fields import FieldStream
from .signatures._parse import InvalidReply, ReplyTooLarge, read_reply
from .signatures._prompt import build_messages, feedback_messages, system_prompt, tool_messages
from .tools import ToolCall, ToolResult, invoke_tools

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from .memory import Memory, MemoryProvider
    from .models._model import ChatModel
    from .signatures._signature import Signature
    from .tools import Toolbox

__all__ = ["Prediction", "Program"]


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
            return bool(self._values == other._values)
        if isinstance(other, dict):
            return bool(self._values == other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Prediction({inner})"

    def to_dict(self) -> dict[str, Any]:
        """The output values by field name (typed, as validated)."""
        return dict(self._values)


_YIELD_EVERY = 32
"""Streamed chunks between two checkpoints of a turn whose model never suspends."""


class Program:
    """An agent's compiled signature, model, memory, worked examples and retry policy."""

    def __init__(
        self,
        key: str,
        signature: type[Signature],
        model: ChatModel,
        *,
        instructions: str | None,
        memory: MemoryProvider | Memory | None,
        max_retries: int,
        toolbox: Toolbox | None = None,
        max_tool_calls: int = 8,
        demos: tuple[dict[str, Any], ...] = (),
    ) -> None:
        self.key = key
        self.signature = signature
        self.model = model
        self.memory = as_provider(memory)
        self._memory_prompt = takes_prompt(self.memory)
        self.max_retries = max_retries
        self.toolbox = toolbox
        self.max_tool_calls = max_tool_calls
        self.inputs = signature.input_fields()
        self.outputs = signature.output_fields()
        text = "\n\n".join(t for t in (signature.instructions(), instructions or "") if t)
        self.system = system_prompt(text, self.inputs, self.outputs, demos)
        register_program(self)

    def inputs_to_json(self, values: dict[str, Any]) -> dict[str, Any]:
        """JSON-compatible form of validated inputs."""
        return {name: self.inputs[name].to_json(v) for name, v in values.items()}

    async def execute(self, request: TurnRequest) -> TurnOutcome:
        """Run one turn: call the model (and its tools), parse its reply, retry on invalid replies.

        Args:
            request: the validated inputs, where the turn's events go and
                which toolbox it uses.

        Returns:
            What the turn produced.

        Raises:
            OutputParseError: when no reply validated after ``max_retries``
                retries, or at once for a reply too long to read
                (``MAX_REPLY_CHARS``); ``.raw`` holds the last reply.
            ModelError: when the model failed.
            ToolError: when an MCP server cannot start, or the model asked
                for more than ``max_tool_calls`` tool calls in the turn.

        """
        meter = UsageMeter()
        json_inputs = request.json_inputs
        memory = self.memory
        toolbox = request.toolbox if request.toolbox is not None else self.toolbox
        offered: list[dict[str, Any]] | None = None
        if toolbox is not None and toolbox.tools:
            offered = [spec.to_openai() for spec in await toolbox.specs()] or None
        if memory is None:
            base = build_messages(self.system, json_inputs, notes=request.notes)
        else:
            base = await recall(
                memory, self.system, json_inputs, request.notes, with_prompt=self._memory_prompt
            )
        transcript: list[dict[str, Any]] = []
        tool_calls: list[ToolResult] = []
        last_error = ""
        raw = ""
        for attempt in range(1, self.max_retries + 2):
            raw = await self._answer(base, transcript, offered, toolbox, request, tool_calls, meter)
            try:
                values_out = await read_reply(raw, self.outputs)
            except ReplyTooLarge as exc:
                raise OutputParseError(
                    f"{self.signature.__name__}: the model's reply was refused: {exc}",
                    raw=raw,
                ) from None
            except InvalidReply as exc:
                last_error = str(exc)
                transcript.extend(feedback_messages(raw, last_error))
                continue
            output = {name: self.outputs[name].to_json(v) for name, v in values_out.items()}
            if memory is not None:
                await memory.store_context(turn_context(json_inputs, output))
            return TurnOutcome(
                values=values_out,
                output=output,
                usage=meter.to_usage(),
                raw=raw,
                attempts=attempt,
                tool_calls=tuple(tool_calls),
            )
        raise OutputParseError(
            f"{self.signature.__name__}: the model's reply did not validate after "
            f"{self.max_retries + 1} attempts: {last_error}",
            raw=raw,
        )

    async def _answer(
        self,
        base: list[dict[str, Any]],
        transcript: list[dict[str, Any]],
        offered: list[dict[str, Any]] | None,
        toolbox: Toolbox | None,
        request: TurnRequest,
        tool_calls: list[ToolResult],
        meter: UsageMeter,
    ) -> str:
        """Call the model, and its tools, until it replies without tool calls; return that reply.

        The tool calls made are appended to ``tool_calls``.
        """
        events = request.events
        on_token = events.token if events is not None else None
        around = around_model()
        # Middleware may set deadlines around a model call: check them each token.
        thorough = events is not None and (not events.in_task or around is not None)
        cancel_pending = CancelProbe(thorough=thorough)
        agent = self.key.split("#")[0]
        while True:
            messages = base + transcript
            if around is None:
                reply = await self._stream(messages, offered, meter, on_token, cancel_pending)
            else:
                chain, ctx = around
                call = ModelCall(
                    model=self.model.name,
                    agent=agent,
                    run_id=request.run_id,
                    messages=messages,
                    tools=offered,
                    run=partial(self._stream, messages, offered, meter, on_token, cancel_pending),
                )
                reply = await chain(call, ctx)
            raw, calls = reply.text, reply.tool_calls
            if not calls:
                return raw
            made = len(tool_calls) + len(calls)
            if made > self.max_tool_calls:
                asked = ", ".join(c.name for c in calls)
                raise ToolError(
                    f"{self.key.split('#')[0]}: the model asked for more than "
                    f"{self.max_tool_calls} tool calls in one turn (max_tool_calls="
                    f"{self.max_tool_calls}); its last request: {asked}"
                )
            calls = [
                c if c.id else msgspec.structs.replace(c, id=f"call_{len(tool_calls) + i + 1}")
                for i, c in enumerate(calls)
            ]
            if toolbox is None:
                results = [
                    ToolResult(
                        tool=c.name,
                        arguments=c.arguments,
                        id=c.id,
                        result="this agent has no tools",
                        error="this agent has no tools",
                    )
                    for c in calls
                ]
            else:
                results = await toolbox.call_all(
                    calls, invoke_tools(agent, request.run_id, toolbox.call)
                )
            tool_calls.extend(results)
            if events is not None:
                for result in results:
                    await events.tool(result)
            transcript.extend(tool_messages(raw, calls, results))

    async def _stream(
        self,
        messages: list[dict[str, Any]],
        offered: list[dict[str, Any]] | None,
        meter: UsageMeter,
        on_token: Callable[[str, str], Awaitable[None]] | None,
        cancel_pending: CancelProbe,
    ) -> ModelReply:
        """One model call: stream the reply, emitting its field text as tokens."""
        parts: list[str] = []
        calls: list[ToolCall] = []
        fields = FieldStream(self.outputs) if on_token is not None else None
        emitted = 0
        mark = meter.mark()
        if offered is None:
            stream = self.model.stream(messages, meter)
        else:
            stream = self.model.stream(messages, meter, tools=offered)  # type: ignore[call-arg]
        async with aclosing(stream) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                if isinstance(chunk, ToolCall):
                    arguments = encodable_value(chunk.arguments)
                    calls.append(msgspec.structs.replace(chunk, arguments=arguments))
                    continue
                chunk = encodable(chunk)
                parts.append(chunk)
                if fields is not None:
                    for name, text in fields.feed(chunk):
                        await on_token(name, text)  # type: ignore[misc]
                    # A cancel requested while emitting (by the consumer,
                    # from this task or another) or a deadline passed
                    # lands here, before the next chunk, even when the
                    # model never suspends. Otherwise the loop gets a turn
                    # every _YIELD_EVERY chunks: a checkpoint per chunk
                    # would cost a loop iteration per token.
                    emitted += 1
                    if emitted % _YIELD_EVERY == 0 or cancel_pending():
                        await checkpoint()
        return ModelReply("".join(parts), calls, meter.since(mark))
