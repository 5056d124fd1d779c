"""The process's figures: the OpenTelemetry meter and the web app's /metrics agree."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import kaizen_actors as ka
from kaizen_actors.coordination import Debate, team
from kaizen_actors.telemetry import collector
from kaizen_actors.web import create_app

from ..actors.common import Boom, Ping, Recorder
from ..coordination.models import ProbeModel, scripted
from ..web.server import serve
from .conftest import Otel

pytestmark = pytest.mark.anyio

Points = dict[tuple[str, frozenset[tuple[str, str]]], float]


def otel_points(otel: Otel) -> Points:
    """Every data point the meter's reader collects: counters, gauges, histogram count and sum."""
    points: Points = {}
    data = otel.reader.get_metrics_data()
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    labels = frozenset((k, str(v)) for k, v in (point.attributes or {}).items())
                    if hasattr(point, "bucket_counts"):
                        points[metric.name + ".count", labels] = point.count
                        points[metric.name + ".sum", labels] = point.sum
                        cumulative = 0
                        for bound, count in zip(
                            (*point.explicit_bounds, float("inf")), point.bucket_counts, strict=True
                        ):
                            cumulative += count
                            le = frozenset({*labels, ("le", repr(bound))})
                            points[metric.name + ".bucket", le] = cumulative
                    else:
                        points[metric.name, labels] = point.value
    return points


OTEL_NAMES = {
    "kaizen_messages_total": "kaizen.messages",
    "kaizen_crashes_total": "kaizen.crashes",
    "kaizen_restarts_total": "kaizen.restarts",
    "kaizen_mailbox_depth": "kaizen.mailbox.depth",
    "kaizen_model_calls_total": "kaizen.model.calls",
    "kaizen_tokens_total": "kaizen.tokens",
    "kaizen_cost_usd_total": "kaizen.cost",
    "kaizen_turn_seconds_count": "kaizen.turn.duration.count",
    "kaizen_turn_seconds_sum": "kaizen.turn.duration.sum",
    "kaizen_turn_seconds_bucket": "kaizen.turn.duration.bucket",
}


def prometheus_points(text: str) -> Points:
    """The process's figures in Prometheus text, under their OpenTelemetry names."""
    points: Points = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = OTEL_NAMES.get(sample.name)
            if name is not None:
                labels = dict(sample.labels)
                if "le" in labels:
                    labels["le"] = repr(float(labels["le"]))
                points[name, frozenset(labels.items())] = sample.value
    return points


def without_older_turns(points: Points) -> Points:
    """``points`` less the turn histogram of agents other than this test's ``m1``, ``m2``."""
    ours = {("agent", "m1"), ("agent", "m2")}
    return {
        key: value
        for key, value in points.items()
        if not key[0].startswith("kaizen.turn.duration") or key[1] & ours
    }


async def test_the_meter_and_metrics_text_show_the_same_figures(
    otel: Otel, quiet_crash_logs: None
) -> None:
    solvers = [
        scripted("m1", "Yes"),
        ka.Agent("m2", "question -> answer", ProbeModel("Yes", cost=0.25)),
    ]
    app = create_app({"pair": team(*solvers, pattern=Debate(rounds=1), name="pair")})
    async with (
        serve(app) as url,
        httpx.AsyncClient(base_url=url) as client,
        ka.ActorSystem("crashy") as system,
    ):
        restarted = anyio.Event()
        system.supervision.subscribe(lambda signal: restarted.set())
        ref = await system.spawn(Recorder, name="r", restart="permanent")
        with pytest.raises(ka.ActorCrashed):
            await ref.ask(Boom(), timeout=5)
        with anyio.fail_after(5):
            await restarted.wait()
        assert await ref.ask(Ping(7), timeout=5) == 7
        response = await client.post("/runs", json={"team": "pair", "inputs": {"question": "?"}})
        run_id = response.json()["run_id"]
        with anyio.fail_after(10):
            while (await client.get(f"/runs/{run_id}")).json()["state"] == "running":
                await anyio.sleep(0.01)
        text = (await client.get("/metrics")).text
        meter = otel_points(otel)
    scraped = prometheus_points(text)
    actor = frozenset({("system", "crashy"), ("actor", "r")})
    assert scraped["kaizen.messages", actor] == 2
    assert scraped["kaizen.crashes", actor] == 1
    assert scraped["kaizen.restarts", actor] == 1
    model = ka.ScriptedModel().name
    m1 = frozenset({("agent", "m1"), ("model", model)})
    assert scraped["kaizen.model.calls", m1] == 1
    assert scraped["kaizen.tokens", m1 | {("type", "output")}] > 0
    assert scraped["kaizen.cost", frozenset({("agent", "m2"), ("model", "probe")})] == 0.25
    assert scraped["kaizen.turn.duration.count", frozenset({("agent", "m1")})] == 1
    assert scraped["kaizen.mailbox.depth", actor] == 0
    # The meter's histogram holds the turns since instrument(); /metrics' those since the
    # collector first counted (an earlier app in this process): compare this test's agents.
    assert without_older_turns(scraped) == without_older_turns(meter)
    assert {name for name, _ in scraped} == set(OTEL_NAMES.values())


def test_the_collector_counts_only_while_someone_uses_it() -> None:
    figures = collector()
    release = figures.enable()
    again = figures.enable()
    release()
    release()  # a second call changes nothing
    assert figures._users == 1
    again()
    assert figures._users == 0 and figures._off == []


async def test_turning_the_collector_off_leaves_no_middleware(anyio_backend: Any) -> None:
    async with ka.ActorSystem("quiet") as system:
        release = collector().enable()
        assert system._chain is not None
        release()
        assert system._chain is None
