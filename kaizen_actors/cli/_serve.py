"""``kaizen-actors serve``: run a supervisor tree as a long-lived service on NATS.

::

    kaizen-actors serve package.module:build --nats nats://host:4222 --name shop

``build`` is a zero-argument callable returning a ``Supervisor`` (or any
``Actor``), or returning a factory of one; it is called again whenever the
tree is restarted. The process serves the tree's actors by name in the
namespace ``--name`` until SIGTERM or SIGINT, then drains: it stops receiving
new messages at once (other processes serving the same names take them; a
message that still reaches it is refused with an error saying the service is
draining), lets the messages being handled finish within ``--grace`` seconds,
and exits 0. When the tree gives up (its root supervisor exceeds its restart
intensity) the process logs the error and exits 1, so that a process manager
restarts it. It answers the NATS service API (``$SRV.PING|INFO|STATS``,
service name ``ka-<name>``) with its actors and counters. ``--durable`` takes
messages from a JetStream work queue instead: a task whose process dies is
redelivered to another process serving the name.

Credentials come from the environment, never from the command line (which
other users can read): ``NATS_TOKEN``, ``NATS_USER`` + ``NATS_PASSWORD``,
``NATS_NKEY_SEED``, ``NATS_CREDS`` (a .creds file), and ``NATS_CA`` /
``NATS_CERT`` + ``NATS_KEY`` for TLS.

Use :func:`add_serve_parser` to mount it under a CLI, or :func:`serve_main`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from ._target import load_target, nats_from_env

__all__ = ["add_serve_parser", "run_serve", "serve_main"]

logger = logging.getLogger("kaizen_actors.serve")

READY = "kaizen-actors serve: ready"
"""First words of the line printed to stdout once every actor is served."""

DESCRIPTION = (
    "Run a supervisor tree (TARGET, package.module:callable returning it) as a "
    "long-lived service on NATS until SIGTERM or SIGINT, then drain and exit 0; exit 1 "
    "when the tree gives up. Credentials come from the environment: NATS_TOKEN, "
    "NATS_USER + NATS_PASSWORD, NATS_NKEY_SEED, NATS_CREDS, NATS_CA / NATS_CERT + NATS_KEY."
)


def _configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("target", help="package.module:callable returning the supervisor tree")
    parser.add_argument(
        "--nats",
        default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        help="NATS server URL(s), comma-separated (default $NATS_URL or nats://127.0.0.1:4222)",
    )
    parser.add_argument("--name", default="kaizen", help="namespace: the ActorSystem's name")
    parser.add_argument(
        "--root-name", default=None, help="name of the tree's root actor (default serve-<pid>)"
    )
    parser.add_argument(
        "--grace", type=float, default=10.0, help="seconds in-flight messages get to finish"
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="take messages from a JetStream work queue: a task whose worker dies is "
        "redelivered to another worker (every process of the namespace must use it)",
    )
    parser.add_argument(
        "--ack-wait",
        type=float,
        default=30.0,
        help="with --durable: seconds of silence after which a task is redelivered (default 30)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` command to an argparse ``subparsers`` object.

    The parser's default ``func`` is :func:`run_serve` (``args -> exit code``).
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run a supervisor tree as a NATS service",
        description=DESCRIPTION,
    )
    _configure(parser)
    parser.set_defaults(func=run_serve)
    return parser


def serve_main(argv: list[str]) -> int:
    """Parse ``argv`` (without the ``serve`` word) and serve; returns the exit code."""
    parser = _configure(
        argparse.ArgumentParser(prog="kaizen-actors serve", description=DESCRIPTION)
    )
    return run_serve(parser.parse_args(argv))


def run_serve(args: argparse.Namespace) -> int:
    """Serve the tree described by parsed ``args`` until SIGTERM/SIGINT; returns the exit code."""
    import anyio

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    build = load_target(args.target, "serve", want_callable=True)

    def factory() -> Any:
        from ..actors import Actor

        tree = build()
        if not isinstance(tree, Actor) and callable(tree):
            tree = tree()
        return tree

    transport = nats_from_env(  # reads certificate files: before the loop runs
        args.nats,
        f"kaizen-actors serve {args.name} pid={os.getpid()}",
        durable=args.durable,
        ack_wait=args.ack_wait,
        service=True,
    )
    try:
        return anyio.run(_serve, args, factory, transport, backend="asyncio")
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
        return 130


async def _serve(args: argparse.Namespace, factory: Any, transport: Any) -> int:
    import anyio

    from ..actors import ActorSystem
    from ..messages import KaizenError

    root_name = args.root_name or f"serve-{os.getpid()}"
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        try:
            async with ActorSystem(args.name, transport) as system:
                await system.spawn(factory, name=root_name, restart="permanent")
                actors = sorted(system.actors())
                print(f"{READY} namespace={args.name} actors={','.join(actors)}", flush=True)
                logger.info("serving %s in namespace %r on %r", actors, args.name, transport)
                if await _signal_or_stop(signals, system):
                    transport.refuse(
                        f"service {args.name!r} (pid {os.getpid()}) is draining for shutdown "
                        "and accepts no new messages; retry on another worker"
                    )
                    await transport.stop_serving()
                with anyio.CancelScope(shield=True):
                    await system.shutdown(timeout=args.grace)
                failure = system.failure
        except KaizenError as exc:
            print(f"kaizen-actors serve: {exc}", file=sys.stderr, flush=True)
            return 1
    if failure is not None:
        logger.error("the supervisor tree gave up; exiting 1: %s", failure)
        return 1
    logger.info("drained; bye")
    return 0


async def _signal_or_stop(signals: Any, system: Any) -> bool:
    """Wait for SIGTERM/SIGINT (True) or for the system to stop on its own (False)."""
    import anyio

    got_signal = False
    async with anyio.create_task_group() as tg:

        async def on_signal() -> None:
            nonlocal got_signal
            async for signum in signals:
                logger.info("received %s; draining", signal.Signals(signum).name)
                got_signal = True
                break
            tg.cancel_scope.cancel()

        async def on_stop() -> None:
            await system.wait_stopped()
            tg.cancel_scope.cancel()

        tg.start_soon(on_signal)
        tg.start_soon(on_stop)
    return got_signal


if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
