"""Layer 3, agents: signatures compiled to Kailash workflows, models, memory.

An :class:`Agent` runs its :class:`Signature` (typed inputs -> typed outputs)
through a one-node Kailash workflow (``agent.workflow``, a ``KaizenLLMAgentNode``)
on a shared ``AsyncLocalRuntime``, streaming the output fields' text as
``Token`` events. Models: litellm (:class:`Model`, or a model name) and the
offline :class:`ScriptedModel`. Agents need the asyncio backend (Kailash is
asyncio-only). Importing this package imports neither kailash nor litellm:
kailash loads when the first ``Agent`` is constructed (it builds its workflow
then), litellm when a litellm model is first called.

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

MCP tools: ``tools=`` is accepted and stored on the agent but not given to
the model yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._meta import publish
from ._agent import Agent, AgentResult, AgentStream
from ._kaizen import AgentManager, Kaizen, KaizenConfig
from ._litellm import Model
from ._memory import BufferMemory, Memory
from ._model import ChatModel, UsageMeter
from ._program import Prediction
from ._scripted import ScriptedModel, ScriptExhausted
from ._signature import FieldSpec, InputField, OutputField, Signature, signature
from ._tasks import AgentReply, AgentTask

if TYPE_CHECKING:
    from ._actor import AgentActor
    from ._nodes import KaizenLLMAgentNode, KaizenNode

__all__ = [
    "Agent",
    "AgentActor",
    "AgentManager",
    "AgentReply",
    "AgentResult",
    "AgentStream",
    "AgentTask",
    "BufferMemory",
    "ChatModel",
    "FieldSpec",
    "InputField",
    "Kaizen",
    "KaizenConfig",
    "KaizenLLMAgentNode",
    "KaizenNode",
    "Memory",
    "Model",
    "OutputField",
    "Prediction",
    "ScriptExhausted",
    "ScriptedModel",
    "Signature",
    "UsageMeter",
    "signature",
]

publish([n for n in __all__ if n in globals()], globals())

_LAZY = {
    "KaizenNode": "._nodes",
    "KaizenLLMAgentNode": "._nodes",
    "AgentActor": "._actor",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    publish([name], globals())
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
