"""``kaizen-actors web [package.module:attr]``: serve teams over HTTP (API, SSE, AG-UI, the page).

::

    kaizen-actors web                                   # the offline demo teams
    kaizen-actors web app.teams:served --port 8080      # your teams
    kaizen-actors web app.teams:team --nats nats://host:4222 --name shop

``attr`` is a ``Team``, an ``Agent``, a dict ``{name: Team | Agent}``, or a
zero-argument callable returning one. With ``--nats`` the app's system joins
that namespace, so teams whose agents are given by name reach the agents
served there by ``kaizen-actors serve``: the web process and the agents
scale apart. The bearer token comes from ``KAIZEN_WEB_TOKEN`` (never the
command line); NATS credentials from the environment as for ``serve``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING, Any

from ._target import load_target, nats_from_env

if TYPE_CHECKING:
    import argparse

__all__ = ["add_web_parser", "demo_teams"]


def demo_teams(token_delay: float = 0.03) -> dict[str, Any]:
    """The offline demo teams by name: ``debate``, ``consensus``, ``supervisor``."""
    from ..coordination import team
    from ._demo_team import PATTERNS, build_scenario

    teams = {}
    for name in PATTERNS:
        agents, pattern, _ = build_scenario(name, token_delay=token_delay)
        teams[name] = team(*agents, pattern=pattern, name=name, timeout=300)
    return teams


def _served(target: str | None) -> Any:
    if target is None:
        return demo_teams()
    obj = load_target(target, "web")
    from ..coordination import Team
    from ..coordination._members import is_agent

    if callable(obj) and not isinstance(obj, Team) and not is_agent(obj):
        obj = obj()
    return obj


def run_web(args: argparse.Namespace) -> int:
    """Serve the target of parsed ``args`` with uvicorn until interrupted; returns the exit code."""
    import uvicorn

    from ..web import create_app

    transport = nats_from_env(args.nats, f"kaizen-actors web {args.name}") if args.nats else None
    app = create_app(_served(args.target), transport=transport, namespace=args.name)
    token = os.environ.get("KAIZEN_WEB_TOKEN")
    where = f"http://{args.host}:{args.port}/" + ("?token=$KAIZEN_WEB_TOKEN" if token else "")
    print(f"kaizen-actors web: serving on {where}", flush=True)
    logging.getLogger("uvicorn.access").addFilter(_hide_tokens)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        timeout_graceful_shutdown=GRACE,  # open streams of detached runs would hold it forever
    )
    return 0


GRACE = 5
"""Seconds open connections (SSE streams) get when the server stops, before they are closed."""

_TOKEN = re.compile(r"([?&]token=)[^&\s\"]*")


def _hide_tokens(record: logging.LogRecord) -> bool:
    """An access-log filter: ``/?token=...`` is logged as ``/?token=***``."""
    if isinstance(record.args, tuple):
        record.args = tuple(
            _TOKEN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
        )
    return True


def add_web_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``web`` command to an argparse ``subparsers`` object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "web",
        help="serve teams over HTTP: REST + SSE, AG-UI, the live page",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "target",
        nargs="?",
        default=None,
        help="package.module:attr (a Team, Agent, dict of them, or a callable returning one); "
        "the offline demo teams when omitted",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--nats", default=None, help="a NATS URL: reach agents served by name in that namespace"
    )
    parser.add_argument("--name", default="kaizen", help="namespace: the app system's name")
    parser.add_argument("--log-level", default="info", help="uvicorn's log level")
    parser.set_defaults(func=run_web)
    return parser
