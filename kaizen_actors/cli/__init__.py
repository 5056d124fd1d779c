"""Layer 5: the ``kaizen-actors`` command: demo, serve, web, mcp, audit, bench, docs."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from ._audit import add_audit_parser
from ._docs import add_docs_parser
from ._mcp import add_mcp_parser
from ._serve import add_serve_parser
from ._web import add_web_parser

__all__ = ["build_parser", "main"]


def _demo(args: argparse.Namespace) -> int:
    import functools

    import anyio
    from rich.console import Console

    console = Console()
    for option in ("timeline", "audit"):
        if args.pattern == "actors" and getattr(args, option):
            print(
                f"kaizen-actors demo: --{option} is for a team's run, not the actors demo",
                file=sys.stderr,
            )
            return 2
    if args.pattern == "actors":
        from ._demo_actors import run_actors_demo

        anyio.run(run_actors_demo, console.print)
    else:
        from ._demo_team import run_team_demo

        demo = functools.partial(run_team_demo, timeline=args.timeline, audit=args.audit)
        finished = anyio.run(demo, args.pattern, console, args.model, backend="asyncio")
        return 0 if finished else 1
    return 0


def _bench(args: argparse.Namespace) -> int:
    import subprocess
    from pathlib import Path

    candidates = [Path.cwd() / "bench", Path(__file__).resolve().parents[2] / "bench"]
    folder = next((c for c in candidates if (c / f"bench_{args.suite}.py").exists()), None)
    if folder is None:
        print("kaizen-actors bench runs the benchmarks of a source checkout: run it from one")
        return 2
    script = folder / f"bench_{args.suite}.py"
    return subprocess.call([sys.executable, str(script), *args.options])


def build_parser() -> argparse.ArgumentParser:
    """The ``kaizen-actors`` argument parser, every command added."""
    parser = argparse.ArgumentParser(prog="kaizen-actors", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run an offline demo (a debate by default)")
    demo.add_argument(
        "pattern",
        nargs="?",
        default="debate",
        choices=["debate", "consensus", "supervisor", "actors"],
        help="what to show: a team pattern, or a supervision tree of plain actors",
    )
    demo.add_argument(
        "--model",
        default=None,
        help="a litellm model (e.g. openai/gpt-4o-mini) instead of the offline scripted agents",
    )
    demo.add_argument(
        "--timeline",
        metavar="FILE",
        default=None,
        help="after the run, write its timeline to FILE (a standalone HTML page)",
    )
    demo.add_argument(
        "--audit",
        metavar="FILE",
        default=None,
        help="append the run's audit trail to FILE (JSON Lines; check with `audit verify`)",
    )
    demo.set_defaults(func=_demo)
    add_serve_parser(commands)
    add_web_parser(commands)
    add_mcp_parser(commands)
    add_audit_parser(commands)
    bench = commands.add_parser("bench", help="run a benchmark suite of a source checkout")
    bench.add_argument(
        "suite",
        choices=[
            *("actors", "agents", "tools", "team", "cancel", "nats", "web", "mcp", "a2a"),
            *("optimize", "memory", "telemetry", "limits", "audit"),
        ],
    )
    bench.add_argument("options", nargs=argparse.REMAINDER, help="passed to the benchmark")
    bench.set_defaults(func=_bench)
    add_docs_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kaizen-actors`` command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
