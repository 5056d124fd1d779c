"""``kaizen-actors audit verify FILE``: check an audit trail's hash chain."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

__all__ = ["add_audit_parser"]


def _verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..messages import AuditError
    from ..telemetry._audit import verify_lines

    try:
        lines = Path(args.file).read_bytes().splitlines()
    except OSError as exc:
        print(f"kaizen-actors audit verify: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        count = verify_lines(lines, args.head)
    except AuditError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {count} records, chain intact")
    return 0


def add_audit_parser(commands: Any) -> None:
    """Add ``audit verify FILE`` to the command line's subcommands."""
    audit = commands.add_parser("audit", help="check an audit trail (a ka.AuditLog file)")
    actions = audit.add_subparsers(dest="action", required=True)
    verify = actions.add_parser(
        "verify", help="exit 0 when FILE's hash chain is intact, 1 naming the first broken line"
    )
    verify.add_argument("file", metavar="FILE", help="the JSON Lines file an AuditLog wrote")
    verify.add_argument(
        "--head",
        metavar="HASH",
        help="the hash of the last record written (AuditLog.head): also detects a cut end",
    )
    verify.set_defaults(func=_verify)
