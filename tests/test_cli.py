"""The ``kaizen-actors`` command as the README runs it (in a subprocess, offline)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MAIN = "import sys; from kaizen_actors.cli import main; sys.exit(main())"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args], capture_output=True, text=True, timeout=120
    )


def test_the_default_demo_is_an_offline_debate() -> None:
    out = run("demo")
    assert out.returncode == 0, out.stderr
    assert "debate - question: Is 1009 a prime number?: finished" in out.stdout
    assert "result" in out.stdout and "usage" in out.stdout


def test_the_actors_demo_survives_its_crashes() -> None:
    out = run("demo", "actors")
    assert out.returncode == 0, out.stderr
    assert "crashed" in out.stdout and "every worker came back" in out.stdout


@pytest.mark.parametrize("argv", [["demo", "nonsense"], ["bench", "nonsense"], []])
def test_bad_arguments_exit_with_usage(argv: list[str]) -> None:
    out = run(*argv)
    assert out.returncode == 2 and "usage: kaizen-actors" in out.stderr
