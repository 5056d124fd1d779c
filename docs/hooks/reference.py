"""MkDocs hooks: the generated parts of the reference, and docstring markup made readable.

- ``reference/index.md``: the marker ``<!-- public-names -->`` becomes a table of
  every name in ``kaizen_actors.__all__``, each linked (by mkdocs-autorefs) to its
  entry on the page of the subpackage that defines it. A name without an entry
  is an unresolved link, which ``mkdocs build --strict`` fails on: a new public
  name cannot go undocumented.
- ``reference/cli.md``: the marker ``<!-- cli-commands -->`` becomes the help of
  every ``kaizen-actors`` command, taken from its argparse parser.
- The docstrings are Google style with a few reStructuredText habits
  (``:class:`Team```, a paragraph ending in ``::`` before a code block);
  rendered pages drop the roles and the stray colon.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import re
from typing import Any

PUBLIC_NAMES = "<!-- public-names -->"
CLI_COMMANDS = "<!-- cli-commands -->"

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data|obj):(?=<code>|<a )")
_DOUBLE_COLON = re.compile(r"(\S)::</p>")
_LONE_DOUBLE_COLON = re.compile(r"<p>::</p>\s*")


def _summary(obj: Any) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    first = doc.split("\n\n")[0].replace("\n", " ")
    return first.replace("|", "\\|")


def public_names_table() -> str:
    """A Markdown table of ``kaizen_actors.__all__``: name, summary, linked to its entry."""
    import kaizen_actors as ka

    rows = ["| name | what it is |", "|---|---|"]
    for name in ka.__all__:
        module = ka._EXPORTS.get(name)
        target = f"kaizen_actors.{name}" if module is None else f"{module}.{name}"
        summary = _summary(getattr(ka, name))
        rows.append(f"| [`ka.{name}`][{target}] | {summary} |")
    return "\n".join(rows)


def cli_help() -> str:
    """The ``--help`` of ``kaizen-actors`` and of each of its commands, as code blocks."""
    from kaizen_actors.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal's width
    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```"]
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            sub.print_help()
        parts += [f"## `kaizen-actors {name}`", "", "```text", out.getvalue().rstrip(), "```"]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Fill the generated parts of the reference pages."""
    if PUBLIC_NAMES in markdown:
        markdown = markdown.replace(PUBLIC_NAMES, public_names_table())
    if CLI_COMMANDS in markdown:
        markdown = markdown.replace(CLI_COMMANDS, cli_help())
    return markdown


def on_page_content(html: str, page: Any, **_: Any) -> str:
    """Drop reStructuredText roles and ``::`` markers from rendered docstrings."""
    if not page.file.src_uri.startswith("reference/"):
        return html
    html = _ROLE.sub("", html)
    html = _LONE_DOUBLE_COLON.sub("", html)
    return _DOUBLE_COLON.sub(r"\1:</p>", html)


def on_startup(**_: Any) -> None:
    """Import the package once, so a broken import fails the build at its start."""
    importlib.import_module("kaizen_actors")
