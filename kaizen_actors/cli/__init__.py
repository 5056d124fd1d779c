"""Layer 5: the ``kaizen-actors`` command (``demo``, ``serve``, ``bench``)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from ._serve import add_serve_parser

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    import anyio
    from rich.console import Console

    console = Console()
    if args.pattern == "actors":
        from ._demo_actors import run_actors_demo

        anyio.run(run_actors_demo, console.print)
        return 0
    raise SystemExit(f"unknown demo {args.pattern!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kaizen-actors`` command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="kaizen-actors", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run an offline demo")
    demo.add_argument("pattern", nargs="?", default="actors", choices=["actors"])
    demo.set_defaults(func=_demo)
    add_serve_parser(commands)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
