"""Telemetry's cost: an ask and an agent call with telemetry off, and instrumented, in the same run.

Run: python bench/bench_telemetry.py [--rounds 5] [--asks 5000] [--calls 500] [--off-only]

- ask p50: ``ref.ask`` to an echo actor of an in-process system;
- agent call p50: ``ref.ask(AgentTask)`` to an agent actor whose ``ScriptedModel``
  answers at once (the turn, its model call, its events);

each measured with telemetry off ("raw") and with
``kaizen_actors.telemetry.instrument()`` on ("ours": every span made by the
OpenTelemetry SDK and handed to a ``SimpleSpanProcessor`` whose exporter
drops it; the metrics collector counting), in alternating blocks of
``--rounds`` rounds, each p50 the median of the rounds' p50s.

``--off-only`` measures telemetry off alone, importing nothing of
``kaizen_actors.telemetry``: run it with ``PYTHONPATH`` at an older checkout
(one without telemetry) and at this one, alternating, to compare "off" with
the code before telemetry (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import anyio

# Last on the path: with --off-only, kaizen_actors comes from the tree PYTHONPATH names.
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kaizen_actors as ka
from bench._util import agent_call_p50, echo_ask_p50, median

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


async def ask_p50(asks: int) -> float:
    async with ka.ActorSystem("bench-ask") as system:
        return await echo_ask_p50(system, asks)


async def call_p50(calls: int) -> float:
    async with ka.ActorSystem("bench-agent") as system:
        return await agent_call_p50(system, calls)


def measure(asks: int, calls: int) -> tuple[float, float]:
    gc.collect()
    return anyio.run(ask_p50, asks), anyio.run(call_p50, calls)


def dropping_tracer_provider() -> Any:
    """An SDK ``TracerProvider`` whose exporter drops every span (through a SimpleSpanProcessor)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Drop()))
    return provider


def instrumented() -> Callable[[], None]:
    """Turn telemetry on with a span-dropping SDK tracer; returns the off."""
    from opentelemetry.sdk.metrics import MeterProvider

    from kaizen_actors import telemetry

    provider = dropping_tracer_provider()
    telemetry.instrument(tracer_provider=provider, meter_provider=MeterProvider())
    return telemetry.uninstrument


def sdk_span_us(spans: int = 20_000) -> float:
    """Microseconds per bare SDK span with three attributes: the floor of a traced message."""
    from opentelemetry.context import Context

    start_span = dropping_tracer_provider().get_tracer("bench").start_as_current_span
    attributes = {"ka.actor.name": "echo", "ka.system": "bench", "ka.message.type": "int"}
    start = time.perf_counter()
    for _ in range(spans):
        with start_span("ka.actor.receive", context=Context(), attributes=attributes):
            pass
    return (time.perf_counter() - start) / spans * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--asks", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--off-only", action="store_true")
    args = parser.parse_args()
    off: list[tuple[float, float]] = []
    on: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        off.append(measure(args.asks, args.calls))
        if not args.off_only:
            uninstrument = instrumented()
            try:
                on.append(measure(args.asks, args.calls))
            finally:
                uninstrument()
    ask_off, call_off = median([a for a, _ in off]) * 1e6, median([c for _, c in off]) * 1e6
    if args.off_only:
        print(f"telemetry off, ask p50 (us)          {ask_off:10.1f}")
        print(f"telemetry off, agent call p50 (us)   {call_off:10.1f}")
        return
    from bench._util import row

    ask_on, call_on = median([a for a, _ in on]) * 1e6, median([c for _, c in on]) * 1e6
    print(row("ask p50, instrumented (us)", ask_on, ask_off, "us", "raw = telemetry off"))
    print(row("agent call p50, instrumented (us)", call_on, call_off, "us", "raw = telemetry off"))
    span = sdk_span_us()
    print(f"one bare SDK span (us): {span:.1f}; added per ask: {ask_on - ask_off:.1f}")


if __name__ == "__main__":
    main()
