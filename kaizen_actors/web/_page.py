"""The live page (``GET /``): a team's form, a pane per agent, the timeline, the supervision tree.

One HTML document with ``static/page.css``, ``static/timeline.js`` and
``static/page.js`` inlined (no build step, no network). The form and the
panes are rendered here; ``page.js`` starts runs (``POST /runs``), follows
their events (``GET /runs/<id>/events``, resuming after a dropped
connection or a reload) and polls ``GET /api/tree``.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlencode

from ._timeline import PALETTE, asset, embed_json

__all__ = ["page_html"]

_NUMBERS = {"int": "1", "float": "any"}
"""Number fields' ``step``, by type."""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _choices(label: str) -> list[Any] | None:
    """The values a ``Literal`` field's type label (``one of "a", "b"``) allows."""
    if not label.startswith("one of "):
        return None
    try:
        choices = json.loads(f"[{label.removeprefix('one of ')}]")
    except ValueError:  # a union with other types: JSON text, checked by the server
        return None
    return choices if isinstance(choices, list) else None


def _widget(field: dict[str, Any]) -> str:
    """The control of one input field, prefilled with its default."""
    name = _esc(field["name"])
    label = str(field["type"])
    base = label.removesuffix(" or null")
    default = field.get("default")
    required = " required" if field.get("required") else ""
    if base == "bool":
        checked = " checked" if default is True else ""
        return f'<input type="checkbox" name="{name}" data-kind="bool"{checked}>'
    if base in _NUMBERS:
        value = "" if default is None else _esc(default)
        return (
            f'<input type="number" step="{_NUMBERS[base]}" name="{name}" data-kind="number" '
            f'value="{value}"{required}>'
        )
    choices = _choices(base)
    if choices is not None:
        options = "".join(
            f'<option value="{_esc(json.dumps(c))}"{" selected" if c == default else ""}>'
            f"{_esc(c)}</option>"
            for c in choices
        )
        empty = "" if required else '<option value=""></option>'
        return f'<select name="{name}" data-kind="json"{required}>{empty}{options}</select>'
    kind = "text" if base == "str" else "json"
    text = default if isinstance(default, str) or default is None else json.dumps(default)
    rows, hint = (3, field["name"]) if kind == "text" else (2, f"JSON: {label}")
    return (
        f'<textarea name="{name}" data-kind="{kind}" rows="{rows}" placeholder="{_esc(hint)}"'
        f"{required}>{_esc(text or '')}</textarea>"
    )


def _fields(team: dict[str, Any]) -> str:
    if not team["inputs"]:  # a remote entry agent that has not told its fields yet
        return (
            '<label><span class="field-head"><span class="field-name">inputs</span>'
            '<span class="type">JSON object</span></span>'
            '<textarea name="$inputs" data-kind="inputs" rows="3">{}</textarea></label>'
        )
    return "".join(
        f'<label><span class="field-head"><span class="field-name">{_esc(f["name"])}</span>'
        f'<span class="type">{_esc(f["type"])}</span></span>'
        + (f'<span class="desc">{_esc(f["desc"])}</span>' if f.get("desc") else "")
        + f"{_widget(f)}</label>"
        for f in team["inputs"]
    )


def _pane(agent: str, colour: str) -> str:
    return (
        f'<article class="pane {colour}" data-agent="{_esc(agent)}">'
        f'<header><span class="dot"></span><span class="name">{_esc(agent)}</span>'
        '<span class="status" data-status="idle">idle</span></header>'
        '<div class="body"></div></article>'
    )


def _small(pattern: str, name: str) -> str:
    return "" if pattern == name else f"<small>{_esc(pattern)}</small>"


def _tabs(teams: list[dict[str, Any]], selected: str) -> str:
    if len(teams) < 2:
        return ""
    tabs = "".join(
        f'<a class="tab" href="?{_esc(urlencode({"team": t["name"]}))}"'
        f"{' aria-current=page' if t['name'] == selected else ''}>"
        f"{_esc(t['name'])}{_small(t['pattern'], t['name'])}</a>"
        for t in teams
    )
    return f'<nav class="teams" aria-label="teams">{tabs}</nav>'


def page_html(teams: list[dict[str, Any]], selected: str | None) -> str:
    """The live page for the served ``teams``, showing ``selected`` (the first when ``None``).

    Args:
        teams: the served teams as :meth:`ServedTeam.describe` gives them
            (``name``, ``pattern``, ``members``, ``inputs``, ``outputs``).
        selected: the name of the team the page shows.

    Returns:
        The whole page; its CSS and scripts are inline.

    """
    team = next((t for t in teams if t["name"] == selected), teams[0])
    members: list[str] = team["members"]
    panes = "".join(_pane(agent, f"c{i % PALETTE}") for i, agent in enumerate(members))
    who = f"{team['pattern']} · {len(members)} agent{'s' if len(members) != 1 else ''}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{_esc(team["name"])} · kaizen-actors</title>
<style>{asset("page.css")}</style>
</head>
<body data-state="idle">
<header class="top">
<div class="brand"><span class="logo">◆</span>kaizen-actors</div>
{_tabs(teams, team["name"])}
<span id="state" class="pill" data-state="idle">idle</span>
</header>
<main class="layout">
<div class="column">
<form id="run-form" class="card">
<h1>{_esc(team["name"])}</h1>
<p class="muted">{_esc(who)}</p>
{_fields(team)}
<div class="actions">
<button type="submit" id="run-button">Run</button>
<button type="button" id="stop-button" class="secondary" hidden>Stop</button>
</div>
<p id="form-error" class="error" hidden></p>
</form>
<section id="result" class="card result" hidden></section>
<section class="card"><h2>Supervision tree</h2><div id="tree"></div></section>
</div>
<div class="column">
<div id="panes" class="panes">{panes}</div>
<section class="card"><h2>Timeline</h2>
<div class="timeline"><svg id="timeline" role="img" aria-label="the run's timeline"></svg></div>
</section>
</div>
</main>
<template id="pane-template">{_pane("", "")}</template>
<script type="application/json" id="kaizen-data">{embed_json({"team": team})}</script>
<script>{asset("timeline.js")}</script>
<script type="module">{asset("page.js")}</script>
</body>
</html>
"""
