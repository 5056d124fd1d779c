"""``kaizen-actors docs``: build the documentation site and serve it on 127.0.0.1.

::

    pip install -e '.[docs]'          # in a source checkout
    kaizen-actors docs                # http://127.0.0.1:8001/
    kaizen-actors docs --port 9000

The site's sources (``mkdocs.yml`` and ``docs/``) live in the source checkout,
not in the wheel: the command uses the ``mkdocs.yml`` of the current folder, or
else the one of the checkout the package is installed from (an editable
install), or ``--config FILE``. It builds the site with MkDocs into a temporary
folder (removed on exit), then serves that folder with Starlette and uvicorn
until interrupted. Nothing needs the network: the theme uses the system's fonts
and the search index is built locally.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._target import run_uvicorn

if TYPE_CHECKING:
    import argparse

__all__ = ["add_docs_parser", "build_site", "find_config", "site_app"]

DEFAULT_PORT = 8001
"""Where ``kaizen-actors docs`` listens by default (``kaizen-actors web`` takes 8000)."""

_NO_EXTRA = (
    "kaizen-actors docs: MkDocs is not installed; install the docs extra: "
    "pip install -e '.[docs]' (in a source checkout)"
)


def find_config(given: str | None = None) -> Path:
    """The ``mkdocs.yml`` to build: ``given``, else the current folder's, else the checkout's.

    Raises:
        SystemExit: naming what to do when there is none (the sources are not
            in the wheel: the command needs a source checkout).

    """
    if given is not None:
        path = Path(given)
        if not path.is_file():
            raise SystemExit(f"kaizen-actors docs: no such file: {given}")
        return path
    candidates = [Path.cwd() / "mkdocs.yml", Path(__file__).resolve().parents[2] / "mkdocs.yml"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise SystemExit(
            "kaizen-actors docs builds the site of a source checkout (mkdocs.yml and docs/ are "
            "not in the wheel): run it from one, or give --config path/to/mkdocs.yml"
        )
    return found


def build_site(config_file: Path, site_dir: Path) -> None:
    """Build the site of ``config_file`` into ``site_dir`` with MkDocs (warnings do not stop it).

    Raises:
        SystemExit: when MkDocs is not installed (the ``docs`` extra), or the
            build fails, with MkDocs' message.

    """
    try:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException
    except ImportError:
        raise SystemExit(_NO_EXTRA) from None
    try:
        config = load_config(str(config_file), site_dir=str(site_dir), strict=False)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as exc:
        raise SystemExit(f"kaizen-actors docs: the site did not build: {exc}") from None


def site_app(site_dir: Path) -> Any:
    """A Starlette app serving the built site in ``site_dir`` (``index.html`` for folders)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return Starlette(routes=[Mount("/", StaticFiles(directory=site_dir, html=True))])


def run_docs(args: argparse.Namespace) -> int:
    """Build the site, then serve it until interrupted; returns the exit code."""
    config = find_config(args.config)
    with tempfile.TemporaryDirectory(prefix="kaizen-actors-docs-") as folder:
        site = Path(folder)
        print(f"kaizen-actors docs: building {config} ...", flush=True)
        build_site(config, site)
        print(f"kaizen-actors docs: serving on http://{args.host}:{args.port}/", flush=True)
        run_uvicorn(site_app(site), args)
    return 0


def add_docs_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``docs`` command to an argparse ``subparsers`` object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "docs",
        help="build the documentation site of a source checkout and serve it locally",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument(
        "--config", default=None, help="the mkdocs.yml to build (the checkout's by default)"
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn's log level")
    parser.set_defaults(func=run_docs)
    return parser
