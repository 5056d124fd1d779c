"""Team tests run on asyncio only: agents run their turns through Kailash's
AsyncLocalRuntime, which is asyncio-only (asyncio.gather, Lock, Semaphore)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quiet(quiet_crash_logs: None) -> None:
    """Crashing agents are part of these tests."""


@pytest.fixture(autouse=True, params=["local", "nats"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every team test twice: in-process, and with every message crossing NATS.

    Over NATS, ``KAIZEN_LOOPBACK=1`` sends even the team's own agents their
    turns through the server, so tasks, replies and the event stream are
    encoded and travel the network.
    """
    if request.param == "nats":
        url = request.getfixturevalue("nats_server").url
        monkeypatch.setenv("KAIZEN_TRANSPORT", url)
        monkeypatch.setenv("KAIZEN_LOOPBACK", "1")
    return request.param
