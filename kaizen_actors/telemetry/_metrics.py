"""The process's actor and agent figures, counted by a process middleware, read by exporters.

:class:`MetricsCollector` counts what every actor system of the process
does: messages handled and crashes per actor, restarts (from each system's
supervision signals), model calls, tokens and cost per agent and model, and
the latency of agent turns; mailbox depths are read from the live systems
when asked. The OpenTelemetry meter (``instrument()``) and the web app's
``GET /metrics`` both read the same collector, :func:`collector`.

It counts only while turned on (:func:`enable_metrics`, ref-counted): off,
its middleware is not on any system's path.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..actors import Restarted
from ..actors._middleware import add_process_middleware, live_systems, watch_systems
from ..agents import AgentTask, ModelCall, ToolInvocation

if TYPE_CHECKING:
    from ..actors import ActorContext, ActorNode, ActorSystem, SupervisionSignal
    from ..actors._middleware import CallNext
    from ..events import Usage

__all__ = [
    "FIGURES",
    "TURN_BUCKETS",
    "Figure",
    "MetricsCollector",
    "TurnHistogram",
    "collector",
    "enable_metrics",
]

TURN_BUCKETS: tuple[float, ...] = (
    *(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
    *(1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
"""Upper bounds (seconds) of the turn latency histogram's buckets (a last one is unbounded)."""

Key = tuple[str, str]
"""``(system, actor)`` or ``(agent, model)``."""


class TurnHistogram:
    """Agent turn latencies of one agent: bucket counts, count and sum.

    Attributes:
        buckets: observations per bucket of :data:`TURN_BUCKETS`, the last
            one past them (not cumulative).
        count: observations.
        sum: their total, in seconds.

    Version added: 0.1

    """

    __slots__ = ("buckets", "count", "sum")

    def __init__(self) -> None:
        self.buckets = [0] * (len(TURN_BUCKETS) + 1)
        self.count = 0
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        """Count one turn of ``seconds``."""
        self.buckets[bisect.bisect_left(TURN_BUCKETS, seconds)] += 1
        self.count += 1
        self.sum += seconds


class MetricsCollector:
    """What the actor systems of this process did, as counters (see the module).

    Attributes:
        messages: messages handled, by ``(system, actor)``.
        crashes: handlers that raised, by ``(system, actor)``.
        restarts: restarts by a supervisor, by ``(system, actor)``.
        model_calls: model calls, by ``(agent, model)``.
        input_tokens: prompt tokens, by ``(agent, model)``.
        output_tokens: completion tokens, by ``(agent, model)``.
        cost: US dollars, by ``(agent, model)`` (calls of unknown price add nothing).
        turns: turn latencies by agent.

    Version added: 0.1

    """

    def __init__(self) -> None:
        self.messages: defaultdict[Key, int] = defaultdict(int)
        self.crashes: defaultdict[Key, int] = defaultdict(int)
        self.restarts: defaultdict[Key, int] = defaultdict(int)
        self.model_calls: defaultdict[Key, int] = defaultdict(int)
        self.input_tokens: defaultdict[Key, int] = defaultdict(int)
        self.output_tokens: defaultdict[Key, int] = defaultdict(int)
        self.cost: defaultdict[Key, float] = defaultdict(float)
        self.turns: defaultdict[str, TurnHistogram] = defaultdict(TurnHistogram)
        self._turn_listeners: list[Callable[[str, float], None]] = []
        self._users = 0
        self._off: list[Callable[[], None]] = []
        self._unsubscribe: list[Callable[[], None]] = []

    # -- what exporters read --------------------------------------------------------

    def mailbox_depths(self) -> Iterator[tuple[Key, int]]:
        """``((system, actor), messages waiting)`` of every actor of the running systems."""
        for system in live_systems():
            if system.running:
                for node in _walk(system.tree()):
                    yield (system.name, node.name), node.mailbox

    def on_turn(self, listener: Callable[[str, float], None]) -> Callable[[], None]:
        """Call ``listener(agent, seconds)`` after each turn; returns the function that stops it.

        For an exporter whose histogram is recorded, not read (OpenTelemetry's).
        """
        self._turn_listeners.append(listener)
        return lambda: self._turn_listeners.remove(listener)

    # -- counting ----------------------------------------------------------------------

    def model_call(self, agent: str, model: str, usage: Usage) -> None:
        """Count one model call's usage."""
        key = (agent, model)
        self.model_calls[key] += 1
        self.input_tokens[key] += usage.prompt_tokens
        self.output_tokens[key] += usage.completion_tokens
        if usage.cost:
            self.cost[key] += usage.cost

    def turn(self, agent: str, seconds: float) -> None:
        """Count one agent turn of ``seconds``."""
        self.turns[agent].observe(seconds)
        for listener in self._turn_listeners:
            listener(agent, seconds)

    async def middleware(self, message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        """The process middleware that counts (see :func:`enable_metrics`)."""
        if ctx is None:  # a team run (RunCall)
            return await call_next(message, ctx)
        kind = type(message)
        if kind is ModelCall:
            reply = await call_next(message, ctx)
            self.model_call(message.agent, message.model, reply.usage)
            return reply
        if kind is ToolInvocation:
            return await call_next(message, ctx)
        key = (ctx.system.name, ctx.name)
        self.messages[key] += 1
        started = time.perf_counter() if kind is AgentTask else None
        try:
            return await call_next(message, ctx)
        except Exception:
            self.crashes[key] += 1
            raise
        finally:
            if started is not None:
                self.turn(ctx.name, time.perf_counter() - started)

    # -- on and off ----------------------------------------------------------------------

    def enable(self) -> Callable[[], None]:
        """Start counting (if not yet); returns the function that releases this use.

        Ref-counted: counting stops when every user has released it. The
        figures are kept across off and on.
        """
        self._users += 1
        if self._users == 1:
            self._off = [add_process_middleware(self.middleware), watch_systems(self._watch)]
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._users -= 1
            if self._users == 0:
                for off in (*self._off, *self._unsubscribe):
                    off()
                self._off, self._unsubscribe = [], []

        return release

    def _watch(self, system: ActorSystem) -> None:
        name = system.name

        def restarted(signal: SupervisionSignal) -> None:
            if isinstance(signal, Restarted):
                self.restarts[name, signal.actor] += 1

        self._unsubscribe.append(system.supervision.subscribe(restarted))


Samples = Iterable[tuple[tuple[str, ...], float]]
"""``(label values, value)`` pairs of one figure."""


class Figure(NamedTuple):
    """One counter or gauge of the collector, as both exporters name and read it.

    Attributes:
        name: the Prometheus name (a counter gets ``_total`` in the text).
        otel: the OpenTelemetry instrument name.
        kind: ``"counter"`` or ``"gauge"``.
        unit: the OpenTelemetry unit.
        help: the description.
        labels: the label (attribute) names.
        read: the figure's samples from a collector.

    Version added: 0.1

    """

    name: str
    otel: str
    kind: Literal["counter", "gauge"]
    unit: str
    help: str
    labels: tuple[str, ...]
    read: Callable[[MetricsCollector], Samples]


def _items(table: str) -> Callable[[MetricsCollector], Samples]:
    return lambda c: list(getattr(c, table).items())


def _tokens(c: MetricsCollector) -> Samples:
    return [
        *(((*key, "input"), n) for key, n in list(c.input_tokens.items())),
        *(((*key, "output"), n) for key, n in list(c.output_tokens.items())),
    ]


_ACTOR = ("system", "actor")
_MODEL = ("agent", "model")
FIGURES: tuple[Figure, ...] = (
    Figure(
        "kaizen_messages",
        "kaizen.messages",
        "counter",
        "{message}",
        "Messages handled by each actor",
        _ACTOR,
        _items("messages"),
    ),
    Figure(
        "kaizen_crashes",
        "kaizen.crashes",
        "counter",
        "{crash}",
        "Messages whose handler raised, by actor",
        _ACTOR,
        _items("crashes"),
    ),
    Figure(
        "kaizen_restarts",
        "kaizen.restarts",
        "counter",
        "{restart}",
        "Restarts of each actor by its supervisor",
        _ACTOR,
        _items("restarts"),
    ),
    Figure(
        "kaizen_mailbox_depth",
        "kaizen.mailbox.depth",
        "gauge",
        "{message}",
        "Messages waiting in each actor's mailbox",
        _ACTOR,
        lambda c: list(c.mailbox_depths()),
    ),
    Figure(
        "kaizen_model_calls",
        "kaizen.model.calls",
        "counter",
        "{call}",
        "Model calls by agent and model",
        _MODEL,
        _items("model_calls"),
    ),
    Figure(
        "kaizen_tokens",
        "kaizen.tokens",
        "counter",
        "{token}",
        "Tokens by agent, model and type (input, output)",
        (*_MODEL, "type"),
        _tokens,
    ),
    Figure(
        "kaizen_cost_usd",
        "kaizen.cost",
        "counter",
        "USD",
        "Cost of model calls in US dollars, by agent and model",
        _MODEL,
        _items("cost"),
    ),
)
"""The collector's counters and gauges; the turn latency histogram is apart (:data:`TURN`)."""

TURN = ("kaizen_turn_seconds", "kaizen.turn.duration", "s", "Agent turn latency, by agent")
"""The turn latency histogram's Prometheus name, OpenTelemetry name, unit and description."""


def _walk(node: ActorNode) -> Iterator[ActorNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


_collector = MetricsCollector()


def collector() -> MetricsCollector:
    """The process's :class:`MetricsCollector`."""
    return _collector


def enable_metrics() -> Callable[[], None]:
    """Turn the process's collector on (ref-counted); returns the function that releases it.

    Version added: 0.1
    """
    return _collector.enable()
