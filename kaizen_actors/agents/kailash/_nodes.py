"""Kailash nodes: how an agent's signature becomes a Kailash workflow.

Importing this module imports kailash and registers the nodes with Kailash's
process-wide ``NodeRegistry`` (once; re-importing the same module is allowed by
the registry). An agent's workflow is one ``KaizenLLMAgentNode`` configured with
the agent's key; flat workflow parameters named like the signature's inputs
reach it, and its result holds the output fields (JSON-compatible), so the Core
SDK pattern works from sync code::

    with LocalRuntime() as rt:
        results, run_id = rt.execute(agent.workflow.build(), parameters={"question": "..."})
    results["agent"]["answer"]

Nodes cannot be async generators: the turn's request, and with it the sink
of its tokens, reaches the node through :mod:`._bridge`.
"""

from __future__ import annotations

from typing import Any

from kailash.nodes.base import NodeParameter, NodeRegistry
from kailash.nodes.base_async import AsyncNode
from kailash.workflow.builder import WorkflowBuilder

from ._bridge import AGENT_NODE_ID, lookup_program, node_run

__all__ = ["AGENT_NODE_ID", "KaizenLLMAgentNode", "KaizenNode", "build_workflow", "register"]


class KaizenNode(AsyncNode):
    """Base class of kaizen-actors' Kailash nodes (async, on the caller's loop).

    Subclasses implement ``async_run(**inputs) -> dict``; register them with
    :func:`register` or ``Kaizen.register_node_type``.

    Version added: 0.1
    """

    def get_parameters(self) -> dict[str, NodeParameter]:
        """No parameters by default."""
        return {}

    async def async_run(self, **kwargs: Any) -> dict[str, Any]:
        """Do the node's work.

        Raises:
            NotImplementedError: in this base class.

        """
        raise NotImplementedError(f"{type(self).__name__} must implement async_run()")


class KaizenLLMAgentNode(KaizenNode):
    """Runs one turn of an agent: its signature's inputs in, output fields out.

    Config: ``agent``, the agent's key (``Agent.key``). Parameters: the
    signature's input fields. Result: the output fields, JSON-compatible.

    Raises:
        SignatureError: (from a run) when the inputs do not fit the signature.
        OutputParseError: when the model's reply never validated.
        ModelError: when the model failed.

    Version added: 0.1

    """

    def __init__(self, **kwargs: Any) -> None:
        self._agent_key = kwargs.get("agent")
        super().__init__(**kwargs)

    def _safe_compare(self, value1: Any, value2: Any) -> bool:
        # Kailash compares inputs when it caches a node's parameter mapping (on
        # each node's first run) and first tries ``import pandas`` and ``import
        # numpy`` to spot frames and arrays. Where they are not installed, each
        # failed import searches sys.path on disk, on the event loop, for every
        # new agent. This node's inputs are JSON-compatible values: plain
        # equality is the right comparison.
        try:
            return bool(value1 == value2)
        except (ValueError, TypeError):
            return False

    def get_parameters(self) -> dict[str, NodeParameter]:
        """``agent`` plus the signature's input fields."""
        params = {
            "agent": NodeParameter(
                name="agent", type=str, required=True, description="the agent's key"
            )
        }
        key = self._agent_key
        if key:
            for name, spec in lookup_program(key).inputs.items():
                params[name] = NodeParameter(
                    name=name, type=object, required=False, description=spec.desc
                )
        return params

    async def async_run(self, **kwargs: Any) -> dict[str, Any]:
        """Run the turn.

        Raises:
            SignatureError: when the inputs do not fit the signature.
            OutputParseError: when the model's reply never validated.
            ModelError: when the model failed.

        """
        return await node_run(kwargs)


def register(cls: type) -> type:
    """Register a node class with Kailash's ``NodeRegistry``.

    Returns:
        ``cls``, so it works as a decorator.

    Raises:
        TypeError: when ``cls`` is not a Kailash ``Node`` subclass.

    """
    from kailash.nodes.base import Node

    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise TypeError(f"{cls!r} is not a Kailash Node subclass")
    NodeRegistry.register(cls)
    return cls


register(KaizenLLMAgentNode)


def build_workflow(agent_key: str) -> WorkflowBuilder:
    """The workflow of one agent: a single ``KaizenLLMAgentNode``."""
    builder = WorkflowBuilder()
    builder.add_node("KaizenLLMAgentNode", AGENT_NODE_ID, {"agent": agent_key})
    return builder
