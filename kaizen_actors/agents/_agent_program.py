"""``AgentProgram``: a signature, instructions, worked examples and a model, called as a function.

``@ka.signature`` on a function makes one; ``ka.optimize`` returns a better
one; ``program.save(path)`` / ``ka.load(path)`` keep it. Under it is a plain
:class:`~._agent.Agent` (``program.agent``), so a program goes wherever an
agent goes: a team member, a served object of ``kaizen-actors web``/``mcp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import ConfigError, SignatureError
from ._agent import Agent, resolve_signature
from .models._model import resolve_model
from .signatures._prompt import check_demos, system_prompt
from .signatures._spec import with_instructions

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

    from ._program import Prediction
    from ._stream import AgentStream
    from .models._model import ChatModel
    from .signatures._signature import Signature

__all__ = ["AgentProgram"]

_KEEP: Any = object()


class AgentProgram:
    """An agent as an awaitable function: ``await program(question=...)`` returns a ``Prediction``.

    ::

        @ka.signature(model="openai/gpt-4o-mini")
        def answer(question: str) -> str:
            \"\"\"Answer in one word.\"\"\"

        prediction = await answer(question="Capital of France?")
        prediction.output                        # "Paris"

    A program is immutable: :meth:`replace` (and ``ka.optimize``) make new
    ones. Positional arguments fill the inputs in declaration order.

    Args:
        signature: a :class:`Signature` subclass or a spec string.
        model: a litellm model name, ``ka.Model`` or ``ka.ScriptedModel``;
            ``None`` leaves the program without one (calling it then raises
            ``ConfigError``; give one with ``replace(model=...)``).
        instructions: the task instructions; default the signature's docstring.
        demos: worked examples shown to the model (dicts of field values).
        name: the program's (and its agent's) name; default the signature's.
        max_retries: retries of an invalid reply (as ``ka.Agent``).
        scores: what ``ka.optimize`` measured (kept by :meth:`save`).

    Raises:
        ConfigError: for a model of the wrong kind or a demo that does not
            fit the signature.
        SignatureError: for a spec string that cannot be parsed.

    Attributes:
        signature: the signature the agent runs (its docstring is
            :attr:`instructions`).
        model: the resolved model, or ``None``.
        demos: the worked examples, JSON-compatible.
        name: the program's name.
        scores: the optimization's scores (``{}`` when not optimized):
            ``metric``, ``baseline``, ``best``, ``candidates``, ``validation``
            (examples scored on), ``calls`` and ``stopped`` (why it stopped
            early, or ``None``).

    Version added: 0.1

    """

    def __init__(
        self,
        signature: type[Signature] | str,
        model: Any = None,
        *,
        instructions: str | None = None,
        demos: Iterable[Mapping[str, Any]] = (),
        name: str | None = None,
        max_retries: int = 2,
        scores: Mapping[str, Any] | None = None,
    ) -> None:
        base = resolve_signature(signature)
        self._base = base
        if instructions is not None and instructions != base.instructions():
            base = with_instructions(base, instructions)
        self.signature = base
        self.name = name or base.__name__
        self.model: ChatModel | None = None if model is None else resolve_model(model)
        self.demos = check_demos(demos, base.input_fields(), base.output_fields())
        self.max_retries = max_retries
        self.scores: dict[str, Any] = dict(scores or {})
        self._agent: Agent | None = None
        if self.model is not None:
            self._agent = Agent(
                self.name,
                signature=self.signature,
                model=self.model,
                demos=self.demos,
                max_retries=max_retries,
            )

    @property
    def instructions(self) -> str:
        """The task instructions the model is given."""
        return self.signature.instructions()

    @property
    def agent(self) -> Agent:
        """The :class:`Agent` that runs this program (for teams, ``serve``, web, MCP).

        Raises:
            ConfigError: when the program has no model (key ``"model"``).

        """
        if self._agent is None:
            raise ConfigError(
                f"program {self.name!r} has no model: decorate with "
                "@ka.signature(..., model=...), or use program.replace(model=...)",
                key="model",
            )
        return self._agent

    @property
    def system_prompt(self) -> str:
        """The system message of every call: instructions, fields, reply format, worked examples."""
        sig = self.signature
        return system_prompt(self.instructions, sig.input_fields(), sig.output_fields(), self.demos)

    def inputs(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """A call's arguments as input values by name (positionals in declaration order).

        Raises:
            SignatureError: for more positionals than inputs, or an input given twice.

        """
        names = list(self.signature.input_fields())
        if len(args) > len(names):
            raise SignatureError(
                f"{self.name}: {len(args)} positional inputs given, it has {len(names)} "
                f"({', '.join(names)})"
            )
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key in values:
                raise SignatureError(f"{self.name}: input {key!r} given twice", field=key)
            values[key] = value
        return values

    async def __call__(self, *args: Any, **inputs: Any) -> Prediction:
        """Run the program once; its output fields by attribute.

        Raises:
            ConfigError: when the program has no model.
            SignatureError: before any model call, when the inputs do not fit.
            OutputParseError: when no reply validated after the retries.
            ModelError: when the model failed.

        """
        result = await self.agent.call(self.inputs(args, inputs))
        return result.output

    def stream(self, *args: Any, **inputs: Any) -> AgentStream:
        """Run the program once, iterating over its events (as ``Agent.stream``).

        Raises:
            ConfigError: when the program has no model.
            SignatureError: at once, when the inputs do not fit.

        """
        return self.agent.stream(**self.inputs(args, inputs))

    def replace(
        self,
        *,
        instructions: str | None = _KEEP,
        demos: Iterable[Mapping[str, Any]] = _KEEP,
        model: Any = _KEEP,
        name: str = _KEEP,
        scores: Mapping[str, Any] = _KEEP,
    ) -> AgentProgram:
        """A new program with some parts changed (this one is unchanged).

        ``instructions=None`` goes back to the signature's own docstring.

        Raises:
            ConfigError: as the constructor does.

        """
        return AgentProgram(
            self._base,
            self.model if model is _KEEP else model,
            instructions=self.instructions if instructions is _KEEP else instructions,
            demos=self.demos if demos is _KEEP else demos,
            name=self.name if name is _KEEP else name,
            max_retries=self.max_retries,
            scores=self.scores if scores is _KEEP else scores,
        )

    async def save(self, path: str | os.PathLike[str]) -> None:
        """Write the program (signature, instructions, demos, model name, scores) as JSON.

        The file is written in a worker thread, through a temporary file
        renamed into place. ``ka.load(path)`` reads it back.

        Raises:
            OSError: when the file cannot be written.
            SignatureError: for a demo or default that is not JSON-compatible.

        """
        from ._program_store import save_program

        await save_program(self, path)

    def __repr__(self) -> str:
        return (
            f"AgentProgram({self.name!r}, signature={self.signature.__name__}, "
            f"model={self.model!r}, demos={len(self.demos)})"
        )
