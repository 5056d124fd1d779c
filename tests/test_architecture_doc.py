"""docs/architecture.md names modules: each one it names exists, so the walk stays true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_the_architecture_walk_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)*(?:\.py|/))`", text))
    assert len(named) >= 15
    missing = [p for p in sorted(named) if not (ROOT / "kaizen_actors" / p).exists()]
    assert missing == []
