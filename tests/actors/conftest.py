"""The actor tests run in-process, and again with every message crossing a real NATS server."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before the anyio_backend fixture parametrizes itself
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests taking ``systems`` already run over each transport, host to client.
    if "anyio_backend" in metafunc.fixturenames and "systems" not in metafunc.fixturenames:
        metafunc.parametrize(
            ("anyio_backend", "wire"),
            [("asyncio", "local"), ("trio", "local"), ("asyncio", "nats")],  # nats-py: asyncio
            indirect=["wire"],
        )


@pytest.fixture(autouse=True)
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``nats``: systems the test makes send every message, even to their own
    actors, through a real nats-server (``KAIZEN_LOOPBACK=1``)."""
    kind = getattr(request, "param", "local")
    if kind == "nats":
        monkeypatch.setenv("KAIZEN_TRANSPORT", request.getfixturevalue("nats_server").url)
        monkeypatch.setenv("KAIZEN_LOOPBACK", "1")
    return kind
