"""``instrument()`` / ``uninstrument()``: OpenTelemetry tracing and metrics for the process.

As OpenTelemetry's instrumentors do, ``instrument()`` turns it on for every
actor system of the process, those made already and those made later, and
``uninstrument()`` turns it off again. Off, nothing of it is on any path:
a system without middleware of its own calls its handlers directly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..actors._middleware import add_process_middleware
from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["instrument", "instrumented", "uninstrument"]

_stops: list[Callable[[], None]] = []


def instrumented() -> bool:
    """Whether :func:`instrument` is on for this process.

    Version added: 0.1
    """
    return bool(_stops)


def instrument(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Trace and measure every actor system of this process with OpenTelemetry.

    ::

        from opentelemetry.sdk.trace import TracerProvider
        from kaizen_actors import telemetry

        telemetry.instrument(tracer_provider=TracerProvider())
        ...                                       # spans ka.run, ka.agent.turn, gen_ai.chat...
        telemetry.uninstrument()

    Spans: ``ka.run`` (a team run), ``ka.actor.receive`` (an actor
    message), ``ka.agent.turn`` (an agent turn), ``gen_ai.chat`` (a model
    call, with the GenAI semantic conventions' attributes) and ``ka.tool``
    (a tool call). The W3C trace context travels in the messages' headers,
    in process and over NATS, so a turn served by another process is a
    child of the run's span (that process instruments itself too). Metrics:
    messages, crashes, restarts, mailbox depth, model calls, tokens and
    cost per agent and model, and a turn latency histogram (names in
    ``kaizen_actors.telemetry._otel_metrics``); the web app's ``/metrics``
    shows the same numbers as Prometheus text.

    Args:
        tracer_provider: an OpenTelemetry ``TracerProvider``; the global one
            (``opentelemetry.trace.get_tracer_provider()``) when ``None``.
        meter_provider: a ``MeterProvider``; the global one when ``None``.

    Raises:
        ConfigError: OpenTelemetry is not installed (``pip install
            'kaizen-actors[otel]'``), or the process is instrumented already
            (call :func:`uninstrument` first).

    Version added: 0.1

    """
    if _stops:
        raise ConfigError(
            "kaizen_actors.telemetry.instrument(): this process is instrumented already; "
            "call uninstrument() first to instrument it with other providers",
            key="instrument",
        )
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        raise ConfigError(
            "kaizen_actors.telemetry.instrument() needs OpenTelemetry: "
            "pip install 'kaizen-actors[otel]'",
            key="instrument",
        ) from None
    tracing = importlib.import_module("._tracing", __package__)
    meters = importlib.import_module("._otel_metrics", __package__)
    from ._metrics import enable_metrics

    tracer_provider = trace.get_tracer_provider() if tracer_provider is None else tracer_provider
    meter_provider = metrics.get_meter_provider() if meter_provider is None else meter_provider
    _stops.append(enable_metrics())
    _stops.append(meters.meter_instruments(meter_provider))
    _stops.append(add_process_middleware(tracing.tracing_middleware(tracer_provider)))


def uninstrument() -> None:
    """Turn off what :func:`instrument` turned on (nothing when it is off).

    Spans already started end as usual; the metrics collector keeps its
    figures (the web app's ``/metrics`` may still be counting).

    Version added: 0.1
    """
    while _stops:
        _stops.pop()()
