"""A run's timeline as one standalone HTML file: a lane per agent, a bar per turn, no network.

``GET /runs/<id>/timeline`` answers it, and ``kaizen-actors demo --timeline FILE``
writes it. The file inlines ``static/page.css`` and ``static/timeline.js``
(the live page draws its timeline with the same script) and embeds the
run's events as JSON. This module does not import Starlette.
"""

from __future__ import annotations

import functools
import html
import json
from importlib.resources import files
from typing import Any

__all__ = ["PALETTE", "asset", "embed_json", "load_assets", "timeline_html"]

PALETTE = 8
"""Agent colours in ``page.css`` (``.c0`` to ``.c7``); an agent's is its lane index modulo this."""

_DRAW = """
const data = JSON.parse(document.getElementById("kaizen-data").textContent);
const timeline = new KaizenTimeline(document.getElementById("timeline"), data.agents);
data.events.forEach((event) => timeline.add(event));
timeline.draw();
"""


@functools.cache
def asset(name: str) -> str:
    """The text of ``static/<name>`` (CSS or JavaScript), read once."""
    return (files(__package__) / "static" / name).read_text(encoding="utf-8")


def load_assets() -> None:
    """Read every asset into the cache (the app does it in a worker thread at start-up)."""
    for name in ("page.css", "page.js", "timeline.js"):
        asset(name)


def embed_json(data: Any) -> str:
    """``data`` as JSON to put in ``<script type="application/json">``: no ``<``, so no ``</``."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2)


def _result_html(
    state: str,
    output: dict[str, Any] | None,
    usage: dict[str, Any] | None,
    error: dict[str, Any] | None,
    seconds: float | None = None,
) -> str:
    """A run's outcome as the page shows it: its output fields, its error, its usage.

    Args:
        state: ``"finished"``, ``"failed"``, ``"cancelled"`` or ``"running"``.
        output: the final output fields, when it finished.
        usage: ``Usage`` as a dict (tokens, calls, cost), when it ended.
        error: ``{"type", "reason", "message"}``, when it failed.
        seconds: how long it ran, when known.

    """
    parts = [f"<h2>{'Result' if state == 'finished' else f'Run {_esc(state)}'}</h2>"]
    if error:
        parts.append(f'<p class="error">{_esc(error["type"])}: {_esc(error["message"])}</p>')
    if output:
        rows = "".join(
            f"<dt>{_esc(name)}</dt><dd>{_esc(_value(value))}</dd>" for name, value in output.items()
        )
        parts.append(f'<dl class="outputs">{rows}</dl>')
    if usage:
        cost = usage.get("cost")
        metrics = [
            ("tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)),
            ("calls", usage.get("calls", 0)),
            (
                "cost",
                "unknown" if cost is None else f"${cost:.{2 if cost >= 0.1 or cost == 0 else 4}f}",
            ),
        ]
        if seconds is not None:
            metrics.append(("time", f"{seconds:.2f} s"))
        cells = "".join(
            f'<div class="metric"><b>{_esc(value)}</b><span>{name}</span></div>'
            for name, value in metrics
        )
        parts.append(f'<div class="usage">{cells}</div>')
    return "".join(parts)


def _agents(events: list[dict[str, Any]]) -> list[str]:
    """The agents of a run's events, in the order they first appear."""
    return list(dict.fromkeys(e["agent"] for e in events if e.get("agent") is not None))


def _legend(events: list[dict[str, Any]], agents: list[str]) -> str:
    turns = dict.fromkeys(agents, 0)
    tokens = dict.fromkeys(agents, 0)
    for event in events:
        kind = event.get("$type")
        if kind == "AgentStarted":
            turns[event["agent"]] += 1
        elif kind == "Token":
            tokens[event["agent"]] += 1
    return "".join(
        f'<li class="c{i % PALETTE}" data-lane="{_esc(agent)}"><span class="dot"></span>'
        f"<b>{_esc(agent)}</b> {turns[agent]} turns, {tokens[agent]} tokens</li>"
        for i, agent in enumerate(agents)
    )


def timeline_html(status: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """A standalone HTML page drawing a run's timeline, with its title, state, output and usage.

    Args:
        status: the run as ``GET /runs/<id>`` answers it (``run_id``, ``team``,
            ``state``, ``output``, ``usage``, ``error``).
        events: the run's events as JSON objects (``$type``, ``seq``,
            ``agent``, the event's fields), each with ``time``: seconds since
            the run started.

    Returns:
        The whole page; it needs no network (CSS, script and data inline).

    """
    agents = _agents(events)
    team = str(status.get("team") or "run")
    state = str(status.get("state") or "running")
    run_id = str(status.get("run_id") or "")
    started = next((e for e in events if e.get("$type") == "RunStarted"), {})
    inputs: dict[str, Any] = started.get("inputs") or {}
    first = next(iter(inputs.values()), None)
    title = f"{team}: {first}" if isinstance(first, str) and first else team
    seconds = events[-1].get("time") if events else None
    facts = [f"team {team}", f"{started.get('pattern', 'run')} pattern", f"{len(events)} events"]
    if seconds is not None:
        facts.append(f"{seconds:.2f} s")
    facts.append(f"run {run_id}")
    inputs_html = "".join(
        f"<dt>{_esc(name)}</dt><dd>{_esc(_value(value))}</dd>" for name, value in inputs.items()
    )
    outcome = _result_html(
        state, status.get("output"), status.get("usage"), status.get("error"), seconds
    )
    data = embed_json({"agents": agents, "events": events})
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{_esc(title)} · timeline</title>
<style>{asset("page.css")}</style>
</head>
<body data-state="{_esc(state)}">
<header class="top">
<div class="brand"><span class="logo">◆</span>kaizen-actors</div>
<span class="pill" data-state="{_esc(state)}">{_esc(state)}</span>
</header>
<main class="report">
<section class="card">
<h1>{_esc(title)}</h1>
<p class="muted">{" · ".join(_esc(fact) for fact in facts)}</p>
<dl class="outputs">{inputs_html}</dl>
</section>
<section class="card">
<h2>Timeline</h2>
<div class="timeline"><svg id="timeline" role="img" aria-label="the run's timeline"></svg></div>
<ul class="legend">{_legend(events, agents)}</ul>
</section>
<section class="card result" data-state="{_esc(state)}">{outcome}</section>
</main>
<script type="application/json" id="kaizen-data">{data}</script>
<script>{asset("timeline.js")}</script>
<script>{_DRAW}</script>
</body>
</html>
"""
