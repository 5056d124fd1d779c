"""``kaizen-actors mcp [package.module:attr]``: serve teams as MCP tools, over stdio by default.

::

    kaizen-actors mcp                                   # the offline demo teams
    kaizen-actors mcp app.teams:served                  # your teams, one tool each
    kaizen-actors mcp app.teams:team --nats nats://host:4222 --name shop
    kaizen-actors mcp app.teams:served --http --port 8000   # at http://127.0.0.1:8000/mcp

``attr`` is a ``Team``, an ``Agent``, a dict ``{name: Team | Agent}``, or a
zero-argument callable returning one. Over stdio nothing but protocol
frames reaches stdout: logs go to stderr, and so does anything printed
while the target is imported or the teams run. With ``--http`` the web app
serves them (``/mcp``, and its other routes; ``KAIZEN_WEB_TOKEN`` guards
them). NATS credentials come from the environment as for ``serve``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import TYPE_CHECKING, Any

from ._target import add_served_arguments, load_served, nats_from_env, run_uvicorn

if TYPE_CHECKING:
    import argparse

__all__ = ["add_mcp_parser"]


def _served(target: str | None) -> Any:
    # anything the target prints while it loads goes to stderr, never the protocol's stdout
    with contextlib.redirect_stdout(sys.stderr):
        return load_served(target, "mcp")


def run_mcp(args: argparse.Namespace) -> int:
    """Serve the target of parsed ``args`` until stdin closes (or, with ``--http``, interrupted)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    served = _served(args.target)
    transport = nats_from_env(args.nats, f"kaizen-actors mcp {args.name}") if args.nats else None
    if args.http:
        return _serve_http(args, served, transport)
    import functools

    import anyio

    from ..mcp_server import serve_stdio

    serve = functools.partial(serve_stdio, served, transport=transport, namespace=args.name)
    try:
        anyio.run(serve, backend="asyncio")
    except KeyboardInterrupt:
        return 130
    return 0


def _serve_http(args: argparse.Namespace, served: Any, transport: Any) -> int:
    from ..web import create_app
    from ..web._app import surface_factories

    app = create_app(
        served,
        transport=transport,
        namespace=args.name,
        surfaces=surface_factories(["mcp"]),
    )
    print(f"kaizen-actors mcp: serving on http://{args.host}:{args.port}/mcp", file=sys.stderr)
    run_uvicorn(app, args)
    return 0


def add_mcp_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``mcp`` command to an argparse ``subparsers`` object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "mcp",
        help="serve teams as MCP tools (stdio, or streamable HTTP with --http)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_served_arguments(parser, http="with --http: ")
    parser.add_argument(
        "--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio"
    )
    parser.add_argument("--log-level", default="warning", help="log level (logs go to stderr)")
    parser.set_defaults(func=run_mcp)
    return parser
