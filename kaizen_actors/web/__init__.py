"""Layer 5, the web surface: teams served over HTTP to UIs and other agent frameworks.

::

    from kaizen_actors.web import create_app
    app = create_app({"debate": ka.team(*solvers, pattern=ka.Debate(rounds=2))})
    # uvicorn.run(app)  or:  kaizen-actors web package.module:attr

- ``_app``: :func:`create_app`, its state and surfaces; ``_routes``: its
  own routes and JSON errors; ``_served``: what is served
  (teams by name, their inputs); ``_runs``: a run held for replay
  (:class:`WebRun`, its frames); ``_hub``: the app's runs
  (:class:`RunHub`); ``_sse``: Server-Sent Events over raw ASGI;
  ``_http``: bodies, auth and JSON errors; ``_agui`` (and ``_agui_map``,
  the event mapping): the AG-UI endpoint; ``_a2a`` (and ``_a2a_task``, the
  task executor): A2A; ``_mcp``: the MCP server at ``/mcp``;
  ``_serving``: an app on uvicorn inside an event loop;
  ``_page`` and ``_timeline``: the live page and a run's timeline (HTML,
  no build step, assets in ``static/``); ``_metrics``: Prometheus text.

Names load lazily: ``create_app`` imports Starlette, the timeline
(``kaizen-actors demo --timeline``) does not, nor does ``import kaizen_actors``.

Version added: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._meta import lazy_getattr

_EXPORTS = {
    "create_app": "._app",
    "WebState": "._app",
    "Surface": "._app",
    "WebError": "._errors",
    "Entry": "._runs",
    "RunHub": "._hub",
    "WebRun": "._runs",
    "decode_frame": "._runs",
    "ServedTeam": "._served",
    "resolve_served": "._served",
}

__all__ = [
    "Entry",
    "RunHub",
    "ServedTeam",
    "Surface",
    "WebError",
    "WebRun",
    "WebState",
    "create_app",
    "decode_frame",
    "resolve_served",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)


if TYPE_CHECKING:
    from ._app import Surface, WebState, create_app
    from ._errors import WebError
    from ._hub import RunHub
    from ._runs import Entry, WebRun, decode_frame
    from ._served import ServedTeam, resolve_served
