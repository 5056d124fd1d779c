"""Every pattern example runs offline as a script and prints its result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "debate.py": ["--- round 2 ---", "[ben]", "RunFinished", "answer: yes", "tally: {'yes': 3}"],
    "consensus.py": ["v5 votes 'sydney'", "winner: Canberra (reached in round 2)", "80%"],
    "supervisor_worker.py": [
        "--- work ---",
        "historian:",
        "summary: The actor model",
        "failures: 0",
    ],
    "pipeline.py": ["[editor]", "article: Actors own their state", "outliner -> writer -> editor"],
    "custom_optimizer.py": ["Reply in UPPER CASE.", "score: 0.00 -> 1.00", "leek -> VEGETABLE"],
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_offline(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=EXAMPLES,
    )
    assert done.returncode == 0, done.stderr
    for line in EXPECTED[script]:
        assert line in done.stdout, f"{line!r} missing from the output of {script}"
