"""The documentation site builds with ``mkdocs build --strict`` and documents every public name.

``--strict`` (with mkdocs.yml's ``validation``) fails on a broken link or
anchor, a page missing from the nav, a nav entry without a page, a docstring
mkdocstrings cannot read, and a public name without a reference entry (the
reference index links every ``ka.*`` name to its entry: an unresolved link).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kaizen_actors as ka

ROOT = Path(__file__).resolve().parents[2]
GUIDES = sorted(p.stem for p in (ROOT / "docs" / "guides").glob("*.md"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return folder


def anchors(folder: Path) -> set[str]:
    found: set[str] = set()
    for page in folder.rglob("*.html"):
        found.update(re.findall(r'\sid="([^"]+)"', page.read_text()))
    return found


def test_the_site_builds_strict_with_every_guide(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert GUIDES
    for guide in GUIDES:
        assert (site / "guides" / guide / "index.html").is_file(), guide
    assert (site / "architecture" / "index.html").is_file()
    assert (site / "coming-from" / "index.html").is_file()


def test_every_public_name_has_a_reference_entry(site: Path) -> None:
    ids = anchors(site / "reference")
    missing = []
    for name in ka.__all__:
        module = ka._EXPORTS.get(name)
        target = f"kaizen_actors.{name}" if module is None else f"{module}.{name}"
        if target not in ids:
            missing.append(target)
    assert missing == []


def test_the_reference_index_links_every_public_name(site: Path) -> None:
    index = (site / "reference" / "index.html").read_text()
    linked = set(re.findall(r'href="[^"]*#([^"]+)"[^>]*><code>ka\.', index))
    assert len(linked) == len(ka.__all__)


def test_the_site_needs_no_network(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis.com" not in text, page
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', text), page
