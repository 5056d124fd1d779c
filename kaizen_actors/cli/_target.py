"""What the serving commands share: loading ``package.module:attr``, NATS from the environment."""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    import ssl

__all__ = ["add_served_arguments", "load_served", "load_target", "nats_from_env", "run_uvicorn"]

GRACE = 5
"""Seconds open connections (SSE streams) get when an HTTP server stops, before they are closed."""

_TOKEN = re.compile(r"([?&]token=)[^&\s\"]*")


def load_target(target: str, command: str, *, want_callable: bool = False) -> Any:
    """Import ``package.module:attr``, looking in the current folder first (as uvicorn does).

    Raises:
        SystemExit: with a clear message (naming ``command``) when the target
            cannot be imported, or is not callable when ``want_callable``.

    """
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise SystemExit(f"{command}: target must look like package.module:attr, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"{command}: cannot load {target!r}: {exc}") from None
    if want_callable and not callable(obj):
        raise SystemExit(f"{command}: {target!r} is not callable")
    return obj


def _tls_from_env() -> ssl.SSLContext | None:
    ca, cert, key = (os.environ.get(k) for k in ("NATS_CA", "NATS_CERT", "NATS_KEY"))
    if not (ca or cert):
        return None
    import ssl  # loaded only by a TLS deployment: it costs 15-20 ms of every command's start

    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    return context


def nats_from_env(url: str, name: str, **options: Any) -> Any:
    """A ``NatsTransport`` to ``url`` with the credentials of the environment.

    ``NATS_TOKEN``, ``NATS_USER`` + ``NATS_PASSWORD``, ``NATS_NKEY_SEED``,
    ``NATS_CREDS``, ``NATS_CA`` / ``NATS_CERT`` + ``NATS_KEY``: never from the
    command line, which other users can read. ``options`` go to the transport.
    """
    from ..transport.nats import NatsTransport

    env = os.environ.get
    return NatsTransport(
        url,
        token=env("NATS_TOKEN"),
        user=env("NATS_USER"),
        password=env("NATS_PASSWORD"),
        nkeys_seed=env("NATS_NKEY_SEED"),
        creds=env("NATS_CREDS"),
        tls=_tls_from_env(),
        name=name,
        **options,
    )


def load_served(target: str | None, command: str) -> Any:
    """What ``web`` and ``mcp`` serve: the target (called when it is a factory), or the demo teams.

    Raises:
        SystemExit: when the target cannot be imported.

    """
    if target is None:
        from ._web import demo_teams

        return demo_teams()
    obj = load_target(target, command)
    from ..coordination import Team
    from ..coordination._members import as_member, is_agent

    obj = as_member(obj)  # an agent program is served as its agent, not called
    if callable(obj) and not isinstance(obj, Team) and not is_agent(obj):
        obj = obj()
    return obj


def add_served_arguments(parser: argparse.ArgumentParser, *, http: str = "") -> None:
    """The arguments ``web`` and ``mcp`` share: the target, where to listen, NATS.

    ``http`` prefixes the help of ``--host`` and ``--port`` (``"with --http: "``).
    """
    parser.add_argument(
        "target",
        nargs="?",
        default=None,
        help="package.module:attr (a Team, Agent, dict of them, or a callable returning one); "
        "the offline demo teams when omitted",
    )
    parser.add_argument("--host", default="127.0.0.1", help=f"{http}address to listen on")
    parser.add_argument("--port", type=int, default=8000, help=f"{http}port to listen on")
    parser.add_argument(
        "--nats", default=None, help="a NATS URL: reach agents served by name in that namespace"
    )
    parser.add_argument("--name", default="kaizen", help="namespace: the teams' system's name")


def run_uvicorn(app: Any, args: argparse.Namespace) -> None:
    """Serve ``app`` on ``args.host:args.port`` until interrupted (no token in the access log)."""
    import uvicorn

    logging.getLogger("uvicorn.access").addFilter(hide_tokens)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        timeout_graceful_shutdown=GRACE,  # open streams of detached runs would hold it forever
    )


def hide_tokens(record: logging.LogRecord) -> bool:
    """An access-log filter: ``/?token=...`` is logged as ``/?token=***``."""
    if isinstance(record.args, tuple):
        record.args = tuple(
            _TOKEN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
        )
    return True
