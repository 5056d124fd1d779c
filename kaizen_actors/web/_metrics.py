"""``GET /metrics``: the app's runs, streams and actors as Prometheus text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

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


def _walk(node: ActorNode) -> Iterator[ActorNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def metrics_text(web: WebState) -> bytes:
    """The Prometheus text exposition of the app's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(web))
    return generate_latest(registry)
