"""Shared fixtures: both anyio backends, and a pair of systems over each transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

import kaizen_actors as ka

from .natsserver import NatsServer


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def quiet_crash_logs() -> Iterator[None]:
    """Silence kaizen_actors' logs below CRITICAL (where crashes are the test)."""
    logger = logging.getLogger("kaizen_actors")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    with NatsServer() as server:
        yield server


@pytest.hookimpl(tryfirst=True)  # before the anyio_backend fixture parametrizes itself
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "systems" in metafunc.fixturenames:
        metafunc.parametrize(
            ("anyio_backend", "transport_kind"),
            [(backend, kind) for backend in ("asyncio", "trio") for kind in ("local", "hub")]
            + [("asyncio", "nats")],  # nats-py runs on asyncio only
        )


@pytest.fixture
async def systems(
    transport_kind: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[ka.ActorSystem, ka.ActorSystem]]:
    """``(host, client)``: spawn on ``host``, reach the actors through ``client.ref(name)``.

    ``local``: one system plays both. ``hub``: two systems on a shared
    ``MemoryHub`` in wire mode (every message is encoded as a frame). ``nats``:
    two systems on a real nats-server.
    """
    name = f"t{abs(hash(request.node.nodeid)) % 10**8}"
    if transport_kind == "local":
        async with ka.ActorSystem(name) as system:
            yield system, system
        return
    if transport_kind == "hub":
        hub = ka.MemoryHub()
        host_transport: object = ka.MemoryTransport(hub, wire=True)
        client_transport: object = ka.MemoryTransport(hub, wire=True)
    else:
        url = request.getfixturevalue("nats_server").url
        host_transport = client_transport = url
    async with (
        ka.ActorSystem(name, host_transport) as host,  # type: ignore[arg-type]
        ka.ActorSystem(name, client_transport) as client,  # type: ignore[arg-type]
    ):
        yield host, client
