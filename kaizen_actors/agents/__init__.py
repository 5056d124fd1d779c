"""Layer 3, agents: signatures compiled to Kailash workflows, models, memory.

An :class:`Agent` runs its :class:`Signature` (typed inputs -> typed outputs)
through a one-node Kailash workflow (``agent.workflow``, a ``KaizenLLMAgentNode``)
on a shared ``AsyncLocalRuntime``, streaming the output fields' text as
``Token`` events. Models: litellm (:class:`Model`, or a model name) and the
offline :class:`ScriptedModel`. Agents need the asyncio backend (Kailash is
asyncio-only). Importing this package imports neither kailash nor litellm:
kailash loads with the first agent's first turn, in a worker thread (or on
first access to ``agent.workflow``), litellm when a litellm model is first
called, also in a worker thread.

Where things live
-----------------

- ``signatures/``: signatures, the prompt, reading replies (whole and streamed).
- ``models/``: the model protocol, litellm, ``ScriptedModel``, model text repair.
- ``tools/``: tool calls and results, function tools, MCP servers, the toolbox.
- ``kailash/``: the shared Kailash runtime and the agent's node and workflow.
- top level: :class:`Agent` (``_agent``), its stream (``_stream``), one turn
  (``_program``), :class:`AgentProgram` (a signature as an awaitable function,
  ``_agent_program``; saved and loaded by ``_program_store``), the agent
  actor and its messages (``_actor``, ``_tasks``), the seed's API
  (``_kaizen``).
- ``memory/``: memory providers (buffer, token window, vector recall).

Contract for the coordination layer (running agent turns in an ActorSystem)
---------------------------------------------------------------------------

Spawn an agent: ``ref = await agent.spawn(system, name=...)`` (or
``await system.spawn(agent.factory(), name=agent.name)``). ``agent.factory()``
returns a zero-argument factory; each call makes a fresh :class:`AgentActor`
sharing the agent's compiled workflow, model and memory, so a supervisor's
restart keeps them.

Run one turn::

    reply = await ref.ask(
        AgentTask(inputs={"question": "..."}, run_id=run_id, round=1, notes=["..."]),
        timeout=60,
        on_event=forward,           # awaited with each event of the turn
    )
    reply.output   # dict: the validated output fields, JSON-compatible
    reply.usage    # ka.events.Usage of the turn (retries included)

The events are ``AgentStarted``, the ``Token``s and ``AgentFinished``, each
with ``run_id`` (the task's), ``agent`` (the agent's name) and ``seq``
numbered 0, 1, 2... *within the turn*: a team merging several agents' events
re-stamps ``seq`` (``msgspec.structs.replace(event, seq=n)``) to keep its run
gap-free. ``notes`` are appended to the turn's user message (other agents'
answers in a debate). A failing turn makes the ``ask`` raise ``ActorCrashed``
whose ``error_type`` names ``SignatureError``, ``OutputParseError`` or a
``ModelError`` subclass. Cancelling the ``ask`` stops the model stream; no
``Token`` follows. In-process, ``await agent.call(inputs, on_event=...,
run_id=..., round=..., notes=..., seq=...)`` does the same without an actor
and returns an :class:`AgentResult`.

Tools
-----

``Agent(..., tools=[...])`` takes :class:`MCPServer` objects and ``async def``
functions::

    calc = ka.MCPServer(sys.executable, ["calc_server.py"], env={"API_TOKEN": token})

    async def lookup(city: str) -> str:
        # its docstring is the tool's description
        ...

    agent = ka.Agent("helper", signature=..., model=..., tools=[calc, lookup])

- The model is offered every tool: an MCP server's listed tools (name,
  description, input schema) and each function (name, docstring, a JSON
  schema of its type hints, through pydantic; see :class:`FunctionTool`).
  Tool names must be unique across the agent's tools (``ToolError``).
- A turn loops: when a reply asks for tool calls (:class:`ToolCall`), they
  run, concurrently when there are several; their results go back to the
  model as ``role: tool`` messages and the model is called again, until it
  answers. More than ``max_tool_calls`` (default 8) calls in one turn fail
  it with ``ToolError``. The turn's usage adds up all its model calls;
  ``AgentResult.tool_calls`` lists the calls as :class:`ToolResult`.
- A tool that fails (an MCP result with ``isError``, an exception from a
  function, invalid arguments, an unknown tool name, a call past the
  server's ``timeout``, a lost connection) does not fail the turn: the model
  is shown the error text as the tool's result, so it can recover, and the
  ``ToolResult`` records it in ``error``.
- An MCP server starts lazily, on the first turn that needs it, and is
  listed once, then again whenever it sends ``tools/list_changed``. Who
  owns it: for ``agent.run()``, ``agent.stream()`` and ``agent.call()``, the
  agent (``await agent.aclose()`` or ``async with agent:`` stops it; failing
  that, the end of the event loop does); in an ``ActorSystem``, the
  system's :class:`MCPPool` (``MCPPool.of(system)``): one process per
  server :attr:`MCPServer.key` (command, args, env, cwd, or URL) shared by
  every agent actor and call of the system, stopped when the system shuts
  down, not when an actor stops or restarts. A server that cannot start, or
  does not answer within its ``timeout`` (default 30 s), raises
  ``ToolError`` naming its command with the tail of its stderr (never its
  environment); the next turn tries again. A server that dies fails the
  call in flight (an error result) and starts again for the next call;
  ``pool.restarts`` counts those restarts.
- Capability discovery (the seed's API): ``Kaizen(config={"mcp_servers":
  {"calc": {"command": ...}, "web": {"url": ...}}})`` registers servers;
  ``create_agent(name, {"mcp_capabilities": ["calculate", "search"]})``
  gives the agent every tool of each registered server that offers a tool
  whose name or description contains a capability (ignoring case), found at
  its first turn (:class:`MCPCapabilities`); a capability that no server
  offers raises ``ConfigError`` (key ``"mcp_capabilities"``) naming the
  servers looked at.
- Cancelling a turn cancels its tool calls in flight (the MCP server is sent
  a cancel notification); the server itself runs until its owner closes it.
- ``ScriptedModel`` replies can be tool calls (``ka.ToolCall("add", {"a": 2,
  "b": 3})``); a custom model takes ``tools=`` in ``stream()`` and yields
  ``ToolCall`` objects (see :class:`ChatModel`). Each finished call is a
  ``ka.events.ToolCalled`` event of the turn.
- ``mcp`` (the Python SDK, version 2) is imported when the first server
  starts; importing this package does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._meta import lazy_getattr, publish
from ._agent import Agent
from ._agent_program import AgentProgram
from ._kaizen import AgentManager, Kaizen, KaizenConfig
from ._program import Prediction
from ._program_store import load
from ._stream import AgentStream
from ._tasks import AgentInfo, AgentReply, AgentTask, Describe, FieldInfo
from ._turn import AgentResult
from .memory import BufferMemory, Memory, MemoryProvider, WindowMemory
from .models import (
    TEXT_REPAIRS,
    ChatModel,
    Model,
    ModelCall,
    ModelReply,
    ScriptedModel,
    ScriptExhausted,
    TextRepairs,
    UsageMeter,
)
from .signatures import FieldSpec, InputField, OutputField, Signature, signature
from .tools import (
    FunctionTool,
    MCPCapabilities,
    MCPPool,
    MCPServer,
    Toolbox,
    ToolCall,
    ToolInvocation,
    ToolResult,
)

if TYPE_CHECKING:
    from ._actor import AgentActor
    from .kailash._nodes import KaizenLLMAgentNode, KaizenNode
    from .memory import VectorMemory

__all__ = [
    "Agent",
    "AgentProgram",
    "AgentActor",
    "AgentManager",
    "AgentReply",
    "AgentResult",
    "AgentStream",
    "AgentTask",
    "AgentInfo",
    "Describe",
    "FieldInfo",
    "BufferMemory",
    "ChatModel",
    "FieldSpec",
    "FunctionTool",
    "InputField",
    "Kaizen",
    "KaizenConfig",
    "KaizenLLMAgentNode",
    "KaizenNode",
    "MCPCapabilities",
    "MCPPool",
    "MCPServer",
    "Memory",
    "MemoryProvider",
    "Model",
    "ModelCall",
    "ModelReply",
    "OutputField",
    "Prediction",
    "ScriptExhausted",
    "ScriptedModel",
    "Signature",
    "TEXT_REPAIRS",
    "TextRepairs",
    "ToolCall",
    "ToolInvocation",
    "ToolResult",
    "Toolbox",
    "UsageMeter",
    "VectorMemory",
    "WindowMemory",
    "load",
    "signature",
]

publish([n for n in __all__ if n in globals()], globals())

_LAZY = {
    "KaizenNode": ".kailash._nodes",
    "KaizenLLMAgentNode": ".kailash._nodes",
    "AgentActor": "._actor",
    "VectorMemory": ".memory._vector",
}


__getattr__ = lazy_getattr(__name__, _LAZY, published=True)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
