"""NATS tests run on asyncio only: nats-py has no trio support."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Service:
    """A ``kaizen-actors serve`` subprocess."""

    def __init__(self, target: str, url: str, name: str, *extra: str, env: dict | None = None):
        environ = {**os.environ, **(env or {})}
        environ["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "examples" / "distributed"), str(Path(__file__).parent), str(ROOT)]
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kaizen_actors.cli._serve",
                target,
                "--nats",
                url,
                "--name",
                name,
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environ,
            text=True,
        )
        self.ready = self.process.stdout.readline()  # blocks until READY or exit (EOF)
        if "ready" not in self.ready:
            self.process.kill()
            raise RuntimeError(
                f"service did not start: {self.ready!r} {self.process.stderr.read()}"
            )

    def terminate(self, timeout: float = 20) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def output(self) -> str:
        return self.process.stderr.read() if self.process.stderr else ""


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.kill()
