"""``Agent``: a signature, a model and a memory, run as a Kailash workflow.

``await agent.run(**inputs)`` runs one turn in the caller's task;
``agent.stream(**inputs)`` yields the turn's events as they happen;
``agent.factory()`` makes actors that serve ``AgentTask`` messages inside an
``ActorSystem`` (see :mod:`kaizen_actors.agents`). An agent with MCP servers
among its tools starts them on its first turn; ``await agent.aclose()`` (or
leaving ``async with agent:``) stops them. Its actors use their system's
:class:`~.tools.MCPPool` instead: one process per server for the system.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .._deployable import Deployable
from ..events import new_run_id
from ..messages import ConfigError
from ._program import Prediction, Program
from ._turn import AgentResult, TurnEvents, TurnRequest
from .kailash._bridge import run_turn
from .kailash._runtime import admit, kailash_loaded, load_kailash
from .memory._provider import resolve_memory
from .models._model import accepts_tools, resolve_model
from .signatures._prompt import check_demos
from .signatures._signature import Signature
from .signatures._spec import signature
from .tools import MCPPool, Toolbox, resolve_tools

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

    from ..events import Event
    from ._stream import AgentStream

__all__ = ["Agent", "resolve_signature"]


class Agent(Deployable):
    """An LLM agent: runs its signature through a Kailash workflow and streams tokens.

    Args:
        name: the agent's name (its actor name, and ``agent`` of its events).
        signature: a :class:`Signature` subclass or a string such as
            ``"question -> answer: str"``.
        model: a litellm model name, ``ka.Model`` or ``ka.ScriptedModel``.
        instructions: extra instructions after the signature's docstring.
        tools: what the model may call: :class:`MCPServer` objects (all
            their tools), ``async def`` functions (see
            :class:`FunctionTool`) and :class:`MCPCapabilities` (the
            servers found for ``create_agent``'s ``mcp_capabilities``). MCP
            servers start on the agent's first turn and stop at
            :meth:`aclose`; the agent's actors share their system's
            servers (:class:`MCPPool`), which stop with the system.
        memory: a :class:`MemoryProvider` (``BufferMemory``,
            ``WindowMemory``, ``VectorMemory`` or your own), ``True`` for a
            :class:`BufferMemory`, a window size, or ``None``. Before each
            turn it is asked for context for the inputs; after, the turn is
            stored.
        max_retries: how often an invalid reply is retried with the error
            shown to the model.
        max_tool_calls: how many tool calls one turn may make; the model
            asking for more fails the turn with ``ToolError``.
        demos: worked examples (few-shot demonstrations) shown in the
            system message: dicts of input and output field values, as
            ``ka.optimize`` picks them.

    Raises:
        ConfigError: when ``signature`` or ``model`` is missing or of the
            wrong kind, or ``tools`` holds something else than MCP servers
            and async functions, or the model cannot take tools, or a demo
            does not fit the signature (the key names which).
        SignatureError: when a string signature cannot be parsed.

    Attributes:
        workflow: the Kailash ``WorkflowBuilder`` this agent runs (one
            ``KaizenLLMAgentNode``); build and run it with any Kailash runtime.
            An agent made before kailash is loaded compiles it on first use:
            its first turn imports kailash in a worker thread, off the loop.

    Version added: 0.1

    """

    def __init__(
        self,
        name: str,
        signature: type[Signature] | str | None = None,
        model: Any = None,
        instructions: str | None = None,
        tools: Iterable[Any] = (),
        memory: Any = None,
        *,
        max_retries: int = 2,
        max_tool_calls: int = 8,
        demos: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"name: an agent needs a non-empty name, got {name!r}", key="name")
        if max_retries < 0:
            raise ConfigError(f"max_retries: must be >= 0, got {max_retries}", key="max_retries")
        self.name = name
        self.signature = resolve_signature(signature)
        if model is None:
            raise ConfigError(f"model: agent {name!r} needs a model", key="model")
        self.model = resolve_model(model)
        self.memory = resolve_memory(memory)
        if max_tool_calls < 0:
            raise ConfigError(
                f"max_tool_calls: must be >= 0, got {max_tool_calls}", key="max_tool_calls"
            )
        self.instructions = instructions
        self.tools = resolve_tools(tools)
        if self.tools and not accepts_tools(self.model):
            raise ConfigError(
                f"model: {self.model!r} cannot call tools (its stream() takes no tools=)",
                key="model",
            )
        self.max_retries = max_retries
        self.max_tool_calls = max_tool_calls
        sig = self.signature
        self.demos = check_demos(demos, sig.input_fields(), sig.output_fields())
        self.key = f"{name}#{uuid.uuid4().hex[:12]}"
        self._toolbox = Toolbox(self.tools, owner=name) if self.tools else None
        self._program = Program(
            self.key,
            self.signature,
            self.model,
            instructions=instructions,
            memory=self.memory,
            max_retries=max_retries,
            toolbox=self._toolbox,
            max_tool_calls=max_tool_calls,
            demos=self.demos,
        )
        self._workflow: Any = None
        self._built: Any = None
        if kailash_loaded():
            self._compile()  # here, not in the first turn's latency

    @property
    def workflow(self) -> Any:
        """The Kailash ``WorkflowBuilder`` this agent runs (imports kailash if needed)."""
        if self._workflow is None:
            self._compile()
        return self._workflow

    def _compile(self) -> None:
        from .kailash._nodes import build_workflow

        self._workflow = build_workflow(self.key)
        self._built = self._workflow.build()

    async def prepare(self) -> None:
        """Make the agent ready for its first turn without blocking the loop.

        An agent made inside a running loop before kailash was loaded
        compiles its workflow on first use: this loads kailash in a worker
        thread, then compiles (a fraction of a millisecond). Turns call it
        themselves; call it early to take that cost before the first turn.
        """
        if self._built is None:
            await load_kailash()
            if self._built is None:
                self._compile()

    def request(
        self,
        values: dict[str, Any],
        *,
        run_id: str,
        round: int = 0,
        notes: tuple[str, ...] = (),
        events: TurnEvents | None = None,
        toolbox: Toolbox | None = None,
    ) -> TurnRequest:
        """The :class:`~._turn.TurnRequest` of a turn with validated inputs ``values``."""
        return TurnRequest(
            values,
            self._program.inputs_to_json(values),
            run_id=run_id,
            round=round,
            notes=notes,
            events=events,
            toolbox=toolbox,
        )

    def __repr__(self) -> str:
        return f"Agent({self.name!r}, signature={self.signature.__name__}, model={self.model!r})"

    async def __aenter__(self) -> Agent:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the MCP servers this agent started for ``run``/``stream``/``call``.

        Waits until their processes are gone. The agent stays usable: its
        next turn starts them again. Actors of the agent use their system's
        servers, which the system stops. Without ``aclose``, the servers stop
        when the event loop cancels its remaining tasks at its end.

        Version added: 0.1
        """
        if self._toolbox is not None:
            await self._toolbox.aclose()

    def toolbox(self, pool: MCPPool | None = None) -> Toolbox | None:
        """A fresh :class:`Toolbox` of this agent's tools (``None`` without tools).

        Its owner starts it by using it (``call(..., toolbox=)``). With
        ``pool`` (an ``ActorSystem``'s: ``MCPPool.of(system)``), it takes its
        MCP sessions from there and the pool's owner stops them; without,
        the owner must ``aclose()`` it.

        Version added: 0.1
        """
        return Toolbox(self.tools, owner=self.name, pool=pool) if self.tools else None

    async def call(
        self,
        inputs: dict[str, Any],
        *,
        on_event: Callable[[Event], Awaitable[None]] | None = None,
        run_id: str | None = None,
        round: int = 0,
        notes: Iterable[str] = (),
        seq: int = 0,
        toolbox: Toolbox | None = None,
        in_task: bool = False,
        numbered: bool = True,
    ) -> AgentResult:
        """Run one turn with ``inputs`` (a dict, so any field name works).

        Args:
            inputs: the signature's input values.
            on_event: awaited with ``AgentStarted``, each ``Token`` and
                ``AgentFinished``, numbered from ``seq`` without gaps.
            run_id: the run the turn belongs to (a fresh id if ``None``).
            round: the round number put on the events.
            notes: extra context appended to the prompt's user message.
            seq: ``seq`` of the first event.
            toolbox: the toolbox whose servers the turn uses (an actor's);
                by default the agent's own, closed by :meth:`aclose`.
            in_task: ``on_event`` cancels no scope of the calling task (it
                hands events to other tasks, as an actor's ``ctx.emit``
                does); the turn then checks for cancellation more cheaply per
                token. Leave it false for a callback that may cancel the
                caller's own scopes: it then stops the turn before the next
                token.
            numbered: give the events ``run_id`` and ``seq``; ``False`` for a
                caller that numbers them itself (a team's stream).

        Returns:
            The turn's :class:`AgentResult`.

        Raises:
            SignatureError: before any model call, when the inputs do not fit.
            OutputParseError: when no reply validated after the retries.
            ModelError: when the model failed.
            ToolError: when an MCP server cannot start, or the turn asked
                for more than ``max_tool_calls`` tool calls.

        """
        await self.prepare()  # before validating: kailash brings pydantic
        values = self.signature.validate_inputs(inputs)
        run_id = run_id or new_run_id()
        events = None
        if on_event is not None:
            events = TurnEvents(on_event, run_id, self.name, seq, in_task=in_task, stamped=numbered)
        request = self.request(
            values, run_id=run_id, round=round, notes=tuple(notes), events=events, toolbox=toolbox
        )
        return await self.run_turn(request)

    async def run_turn(self, request: TurnRequest, *, admitted: bool = False) -> AgentResult:
        """Run the turn ``request`` describes (its inputs already validated).

        ``admitted``: the caller has passed the start gate
        (:func:`~.kailash._runtime.admit`) already.

        Raises:
            OutputParseError, ModelError, ToolError: as :meth:`call` does.

        """
        if not admitted:
            await admit()
        events = request.events
        if events is not None:
            await events.started(request.round, request.json_inputs)
        output, outcome = await run_turn(self.key, self._built, request)
        result = AgentResult(
            output=Prediction(outcome.values),
            output_dict=output,
            usage=outcome.usage,
            run_id=request.run_id,
            agent=self.name,
            raw=outcome.raw,
            attempts=outcome.attempts,
            tool_calls=outcome.tool_calls,
        )
        if events is not None:
            await events.finished(request.round, output, outcome.usage)
        return result

    async def run(self, **inputs: Any) -> AgentResult:
        """Run one turn; no actor system needed.

        Raises:
            SignatureError: before any model call, when the inputs do not fit.
            OutputParseError: when no reply validated after the retries.
            ModelError: when the model failed.
            ToolError: when an MCP server cannot start, or the turn asked
                for more than ``max_tool_calls`` tool calls.

        """
        return await self.call(inputs)

    def stream(self, **inputs: Any) -> AgentStream:
        """Run one turn and iterate over its events as they happen.

        The events are ``RunStarted``, ``AgentStarted``, the ``Token``s,
        ``AgentFinished`` and ``RunFinished`` (or ``RunFailed``, after which
        the error is raised), ``seq`` 0, 1, 2... Use ``async with`` (or
        ``aclose()``) to stop early; leaving stops the model.

        Raises:
            SignatureError: at once, when the inputs do not fit.

        """
        values = self.signature.validate_inputs(inputs)
        from ._stream import AgentStream

        return AgentStream(self, values)

    def factory(self) -> Callable[[], Any]:
        """A zero-argument factory of actors serving this agent's ``AgentTask``s.

        Every call makes a fresh actor sharing this agent's compiled workflow,
        model and memory (so a restarted actor keeps the memory). The actors
        take their MCP servers from their system's :class:`MCPPool` (started
        on the first task that needs them, stopped with the system).
        """
        from ._actor import AgentActor

        def make() -> AgentActor:
            return AgentActor(self)

        return make

    async def spawn(self, system: Any, *, name: str | None = None, **options: Any) -> Any:
        """Spawn this agent into ``system`` under ``name`` (default: its name).

        Returns:
            The ``ActorRef``; ``ask`` it an ``AgentTask`` to get an ``AgentReply``.

        """
        return await system.spawn(self.factory(), name=name or self.name, **options)


def resolve_signature(sig: Any) -> type[Signature]:
    """A ``signature=`` argument as a :class:`Signature` class (a string is parsed).

    Raises:
        ConfigError: for anything but a Signature subclass or a string.
        SignatureError: for a string that cannot be parsed.

    """
    if isinstance(sig, str):
        return signature(sig)
    if isinstance(sig, type) and issubclass(sig, Signature) and sig is not Signature:
        return sig
    raise ConfigError(
        f"signature: expected a ka.Signature subclass or a string like "
        f"'question -> answer', got {sig!r}",
        key="signature",
    )
