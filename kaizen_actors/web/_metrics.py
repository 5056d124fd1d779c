"""``GET /metrics``: the app's runs and actors, and the process's figures, as Prometheus text.

The ``kaizen_web_*`` figures and the ``kaizen_actor_*`` gauges are the app's
own (its runs, its teams' supervision trees); the other ``kaizen_*`` ones
are the process's :class:`~kaizen_actors.telemetry.MetricsCollector`, the
same numbers the OpenTelemetry meter reads after ``instrument()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from ..telemetry._metrics import FIGURES, TURN, TURN_BUCKETS, MetricsCollector, collector

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.core import Metric

    from ..actors import ActorNode
    from ._app import WebState

__all__ = ["metrics_text"]


class _Collector:
    """Reads the app's figures when scraped (nothing is counted twice)."""

    def __init__(self, web: WebState) -> None:
        self.web = web

    def collect(self) -> Iterator[Metric]:
        hub = self.web.hub
        runs = CounterMetricFamily(
            "kaizen_web_runs", "Runs started, and ended by state", labels=["state"]
        )
        for state, count in hub.counts.items():
            runs.add_metric([state], count)
        yield runs
        held = hub.runs
        yield GaugeMetricFamily(
            "kaizen_web_runs_active", "Runs going on", value=sum(not r.ended.is_set() for r in held)
        )
        yield GaugeMetricFamily("kaizen_web_runs_held", "Runs held for replay", value=len(held))
        yield GaugeMetricFamily(
            "kaizen_web_stream_clients",
            "Clients reading a run's events",
            value=sum(r.watchers for r in held),
        )
        yield CounterMetricFamily(
            "kaizen_web_events", "Events received from runs", value=hub.events
        )
        yield CounterMetricFamily(
            "kaizen_web_dropped_clients",
            "Streams ended because their client fell behind the replay buffer",
            value=hub.dropped_clients,
        )
        labels = ["team", "actor"]
        restarts = GaugeMetricFamily(
            "kaizen_actor_restarts", "Restarts of each actor by its supervisor", labels=labels
        )
        mailbox = GaugeMetricFamily(
            "kaizen_actor_mailbox_depth", "Messages waiting in each actor's mailbox", labels=labels
        )
        for team, system in self.web.named_systems():
            for node in _walk(system.tree()):
                restarts.add_metric([team, node.name], node.restarts)
                mailbox.add_metric([team, node.name], node.mailbox)
        yield restarts
        yield mailbox
        yield CounterMetricFamily(
            "kaizen_dead_letters",
            "Messages dropped into dead letters",
            value=sum(system.dead_letters.total for _, system in self.web.named_systems()),
        )
        yield from _process_figures(collector())


def _process_figures(figures: MetricsCollector) -> Iterator[Metric]:
    """The collector's figures as metric families."""
    for figure in FIGURES:
        family = CounterMetricFamily if figure.kind == "counter" else GaugeMetricFamily
        metric = family(figure.name, figure.help, labels=list(figure.labels))
        for key, value in figure.read(figures):
            metric.add_metric(list(key), value)
        yield metric
    name, _, _, description = TURN
    turns = HistogramMetricFamily(name, description, labels=["agent"])
    for agent, histogram in list(figures.turns.items()):
        cumulative, buckets = 0, []
        for bound, count in zip((*TURN_BUCKETS, float("inf")), histogram.buckets, strict=True):
            cumulative += count
            buckets.append((_bound(bound), cumulative))
        turns.add_metric([agent], buckets, histogram.sum)
    yield turns


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


def _walk(node: ActorNode) -> Iterator[ActorNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def metrics_text(web: WebState) -> bytes:
    """The Prometheus text exposition of the app's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(web))
    return generate_latest(registry)
