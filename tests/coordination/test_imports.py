from __future__ import annotations

import subprocess
import sys

import kaizen_actors.coordination as coordination


def test_importing_coordination_loads_neither_kailash_litellm_nor_nats() -> None:
    code = (
        "import sys, kaizen_actors.coordination;"
        "print([m for m in ('kailash', 'litellm', 'nats') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_has_a_docstring() -> None:
    for name in coordination.__all__:
        assert getattr(coordination, name).__doc__, name
