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

import os
from typing import TYPE_CHECKING, Any

from ._target import add_served_arguments, load_served, nats_from_env, run_uvicorn

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


def run_web(args: argparse.Namespace) -> int:
    """Serve the target of parsed ``args`` with uvicorn until interrupted; returns the exit code."""
    from ..web import create_app

    transport = nats_from_env(args.nats, f"kaizen-actors web {args.name}") if args.nats else None
    app = create_app(load_served(args.target, "web"), transport=transport, namespace=args.name)
    token = os.environ.get("KAIZEN_WEB_TOKEN")
    where = f"http://{args.host}:{args.port}/" + ("?token=$KAIZEN_WEB_TOKEN" if token else "")
    print(f"kaizen-actors web: serving on {where}", flush=True)
    run_uvicorn(app, args)
    return 0


def add_web_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``web`` command to an argparse ``subparsers`` object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "web",
        help="serve teams over HTTP: REST + SSE, AG-UI, the live page",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_served_arguments(parser)
    parser.add_argument("--log-level", default="info", help="uvicorn's log level")
    parser.set_defaults(func=run_web)
    return parser
