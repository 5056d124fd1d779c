"""Evaluator actors: the model calls of an optimization, run in an ``ActorSystem`` of their own.

An :class:`EvaluatorPool` spawns ``size`` :class:`Evaluator` actors; each
serves one :class:`Evaluate` (one turn of one agent on one example) at a
time, so at most ``size`` model calls run at once. A caller takes an idle
evaluator (:meth:`EvaluatorPool.worker`), asks it, and gives it back.
Cancelling the ask cancels the turn and its model call; leaving the pool
shuts its system down.
"""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ..actors import Actor, ActorRef, ActorSystem
from ..events import Usage
from ..messages import Message, OutputParseError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType

    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from ..agents import Agent

__all__ = ["Evaluate", "Evaluated", "Evaluator", "EvaluatorPool"]


class Evaluate(Message, tag="ka.Evaluate", kw_only=True):
    """Run one turn of the agent registered under ``agent`` with ``inputs``."""

    agent: str
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)


class Evaluated(Message, tag="ka.Evaluated", kw_only=True):
    """A turn's output fields (JSON-compatible), or ``error`` when no reply validated."""

    output: dict[str, Any] | None = None
    error: str = ""
    usage: Usage = msgspec.field(default_factory=Usage)


class Evaluator(Actor):
    """Runs :class:`Evaluate` turns of the agents its pool registered.

    A reply that never validated (``OutputParseError``) is an answer, not a
    crash: it comes back as ``Evaluated(error=...)``, counting the turn's
    model calls. Any other failure crashes the handler, and the asker gets
    ``ActorCrashed`` naming it.
    """

    def __init__(self, agents: dict[str, Agent]) -> None:
        self.agents = agents

    async def receive(self, message: Any, ctx: Any) -> Evaluated:
        """Run the turn and reply with its output."""
        if not isinstance(message, Evaluate):
            raise TypeError(f"an evaluator serves Evaluate messages, got {type(message).__name__}")
        agent = self.agents[message.agent]
        try:
            result = await agent.call(message.inputs)
        except OutputParseError as exc:
            return Evaluated(error=str(exc), usage=Usage(calls=agent.max_retries + 1))
        return Evaluated(output=result.output_dict, usage=result.usage)


class EvaluatorPool:
    """``size`` evaluator actors in an ``ActorSystem`` of their own; use it with ``async with``.

    Args:
        size: evaluators, that is model calls at once.
        turn_timeout: seconds one turn may take (the ask's deadline).

    """

    def __init__(self, size: int, turn_timeout: float) -> None:
        self.size = size
        self.turn_timeout = turn_timeout
        self.agents: dict[str, Agent] = {}
        self._system = ActorSystem(f"optimize-{uuid.uuid4().hex[:12]}", "memory")
        self._idle_in: MemoryObjectSendStream[ActorRef]
        self._idle: MemoryObjectReceiveStream[ActorRef]
        self._idle_in, self._idle = anyio.create_memory_object_stream[ActorRef](size)

    async def __aenter__(self) -> EvaluatorPool:
        await self._system.__aenter__()
        try:
            for index in range(self.size):
                ref = await self._system.spawn(
                    lambda: Evaluator(self.agents), name=f"evaluator-{index}"
                )
                self._idle_in.send_nowait(ref)
        except BaseException as exc:
            await self._system.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._idle_in.close()
        self._idle.close()
        await self._system.__aexit__(exc_type, exc, tb)

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[ActorRef]:
        """An idle evaluator, held for the block (waits while all are busy)."""
        ref = await self._idle.receive()
        try:
            yield ref
        finally:
            self._idle_in.send_nowait(ref)

    async def run(self, worker: ActorRef, agent: Agent, inputs: dict[str, Any]) -> Evaluated:
        """One turn of ``agent`` on ``inputs``, by the evaluator ``worker``.

        Raises:
            ActorCrashed: when the turn failed otherwise than with an invalid reply.
            AskTimeout: when the turn took longer than ``turn_timeout``.

        """
        self.agents.setdefault(agent.key, agent)
        reply: Evaluated = await worker.ask(
            Evaluate(agent=agent.key, inputs=inputs), timeout=self.turn_timeout
        )
        return reply
