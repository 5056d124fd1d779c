"""The process's metrics collector as OpenTelemetry instruments on a meter.

The counters and the mailbox gauge of
:data:`~kaizen_actors.telemetry._metrics.FIGURES` are observable
instruments whose callbacks read the collector when the meter's reader
collects; the turn latency histogram is recorded at the end of each turn,
with the collector's bucket bounds as its advice, so the meter and
``GET /metrics`` show the same numbers; the meter's histogram holds the
turns since ``instrument()``, ``/metrics``' those since the collector first
counted (the same, when the process instruments itself at start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry.metrics import CallbackOptions, Observation

from .. import __version__
from ._metrics import FIGURES, TURN, TURN_BUCKETS, collector

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from opentelemetry.metrics import MeterProvider

    from ._metrics import Figure

__all__ = ["meter_instruments"]


def meter_instruments(meter_provider: MeterProvider) -> Callable[[], None]:
    """Make the instruments on ``meter_provider``'s meter; returns the function that stops them.

    Stopped, the observable instruments report nothing and the histogram is
    no longer recorded (an OpenTelemetry meter cannot drop an instrument).
    """
    meter = meter_provider.get_meter("kaizen_actors", __version__)
    figures = collector()
    on = [True]

    def observer(figure: Figure) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            if not on[0]:
                return []
            return [
                Observation(value, dict(zip(figure.labels, key, strict=True)))
                for key, value in figure.read(figures)
            ]

        return observe

    for figure in FIGURES:
        make = (
            meter.create_observable_counter
            if figure.kind == "counter"
            else meter.create_observable_gauge
        )
        make(figure.otel, [observer(figure)], unit=figure.unit, description=figure.help)
    _, name, unit, description = TURN
    histogram = meter.create_histogram(
        name, unit=unit, description=description, explicit_bucket_boundaries_advisory=TURN_BUCKETS
    )

    def record(agent: str, seconds: float) -> None:
        histogram.record(seconds, {"agent": agent})

    stop_recording = figures.on_turn(record)

    def stop() -> None:
        on[0] = False
        stop_recording()

    return stop
