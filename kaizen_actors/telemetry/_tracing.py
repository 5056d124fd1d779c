"""OpenTelemetry spans for runs, actor messages, agent turns, model calls and tool calls.

:func:`tracing_middleware` makes the process middleware that
:func:`~kaizen_actors.telemetry.instrument` adds. Spans:

- ``ka.run``: a team run (``RunCall``), a child of whatever span is current
  where ``team.run()`` is called; attributes ``ka.team``, ``ka.pattern``,
  ``ka.run_id``; error status when the run fails.
- ``ka.actor.receive``: every actor message, attributes ``ka.actor.name``,
  ``ka.system``, ``ka.message.type``.
- ``ka.agent.turn``: an agent turn (a ``ka.AgentTask`` message, in place of
  ``ka.actor.receive``), attributes ``gen_ai.operation.name`` =
  ``invoke_agent``, ``gen_ai.agent.name``, ``ka.run_id``, ``ka.round`` and,
  at its end, the turn's ``gen_ai.usage.*`` and ``ka.usage.cost``.
- ``gen_ai.chat``: a model call, with the GenAI semantic conventions'
  attributes (``gen_ai.operation.name`` = ``chat``, ``gen_ai.request.model``,
  ``gen_ai.provider.name`` when the model is ``provider/name``,
  ``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
  ``gen_ai.response.finish_reasons``).
- ``ka.tool``: a tool call (``gen_ai.operation.name`` = ``execute_tool``,
  ``gen_ai.tool.name``, ``gen_ai.tool.call.id``); error status when the tool
  failed.

A message's parent span comes from the W3C trace context in its headers
(``traceparent``, ``tracestate``), never from the receiving task's own
context; the run, message and tool spans put their own context in the
headers of what is sent inside them (:func:`~kaizen_actors.actors.carry_headers`),
so a turn served by another process over NATS is a child of the run's span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode

from .. import __version__
from ..actors import carry_headers
from ..agents import AgentReply, AgentTask, ModelCall, ToolInvocation

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from opentelemetry.trace import Tracer, TracerProvider
    from opentelemetry.util.types import AttributeValue

    from ..actors import ActorContext
    from ..actors._middleware import CallNext, Middleware
    from ..coordination import RunCall

__all__ = ["tracing_middleware"]


def _provider_of(model: str) -> str | None:
    """``"openai"`` for ``"openai/gpt-4o-mini"``; ``None`` without a provider prefix."""
    provider, slash, _ = model.partition("/")
    return provider if slash else None


def _context_here() -> dict[str, str]:
    """The current span's trace context as W3C headers."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def tracing_middleware(tracer_provider: TracerProvider) -> Middleware:
    """The process middleware that makes the spans of the module's list with ``tracer_provider``."""
    tracer: Tracer = tracer_provider.get_tracer("kaizen_actors", __version__)
    start = tracer.start_as_current_span

    async def run(message: RunCall, call_next: CallNext) -> Any:
        attributes = {
            "ka.team": message.team,
            "ka.pattern": message.pattern,
            "ka.run_id": message.run_id,
        }
        with start("ka.run", attributes=attributes), carry_headers(_context_here()):
            return await call_next(message, None)  # type: ignore[arg-type]

    async def receive(message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        parent = propagate.extract(ctx.headers, context=Context())
        attributes = {
            "ka.actor.name": ctx.name,
            "ka.system": ctx.system.name,
            "ka.message.type": type(message).__name__,
        }
        with (
            start("ka.actor.receive", context=parent, attributes=attributes),
            carry_headers(_context_here()),
        ):
            return await call_next(message, ctx)

    async def turn(message: AgentTask, ctx: ActorContext, call_next: CallNext) -> Any:
        parent = propagate.extract(ctx.headers, context=Context())
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": ctx.name,
            "ka.actor.name": ctx.name,
            "ka.system": ctx.system.name,
            "ka.message.type": "AgentTask",
            "ka.run_id": message.run_id,
            "ka.round": message.round,
        }
        with (
            start("ka.agent.turn", context=parent, attributes=attributes) as span,
            carry_headers(_context_here()),
        ):
            reply = await call_next(message, ctx)
            if isinstance(reply, AgentReply):
                usage = reply.usage
                span.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
                span.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
                span.set_attribute("ka.usage.calls", usage.calls)
                if usage.cost is not None:
                    span.set_attribute("ka.usage.cost", usage.cost)
            return reply

    async def chat(message: ModelCall, ctx: ActorContext, call_next: CallNext) -> Any:
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": message.model,
            "gen_ai.agent.name": message.agent,
            "ka.run_id": message.run_id,
        }
        provider = _provider_of(message.model)
        if provider is not None:
            attributes["gen_ai.provider.name"] = provider
        with start("gen_ai.chat", kind=SpanKind.CLIENT, attributes=attributes) as span:
            reply = await call_next(message, ctx)
            usage = reply.usage
            span.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
            span.set_attribute("gen_ai.response.finish_reasons", [reply.finish_reason])
            if usage.cost is not None:
                span.set_attribute("ka.usage.cost", usage.cost)
            return reply

    async def tool(message: ToolInvocation, ctx: ActorContext, call_next: CallNext) -> Any:
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": message.tool,
            "gen_ai.tool.call.id": message.id,
            "gen_ai.agent.name": message.agent,
            "ka.run_id": message.run_id,
        }
        with start("ka.tool", attributes=attributes) as span, carry_headers(_context_here()):
            result = await call_next(message, ctx)
            if result.error is not None:
                span.set_status(Status(StatusCode.ERROR, result.error))
            return result

    special: dict[type, Callable[[Any, ActorContext, CallNext], Awaitable[Any]]] = {
        AgentTask: turn,
        ModelCall: chat,
        ToolInvocation: tool,
    }

    async def trace(message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        if ctx is None:  # a team run: the only call made outside an actor
            return await run(message, call_next)
        handler = special.get(type(message), receive)
        return await handler(message, ctx, call_next)

    return trace
