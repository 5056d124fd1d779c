"""Discovery and health through the NATS service API (``nats.micro``).

A transport with ``service=True`` registers a service named
``ka-<namespace>``: ``$SRV.PING``, ``$SRV.INFO`` and ``$SRV.STATS`` (also
``$SRV.<verb>.ka-<namespace>``) answer with its id, the namespace and the
actors it serves (INFO/PING metadata ``actors``, comma-separated), and STATS
carries the transport's counters in its ``status`` endpoint's ``data``.
The ``status`` endpoint (subject ``ka.<ns>.svc.<service id>``) replies with
the same as JSON.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from ._nats_subjects import service_name, service_subject

if TYPE_CHECKING:
    from nats.aio.client import Client

    from ._nats_statistics import NatsStatistics

__all__ = ["ServiceHandle", "ServiceHost", "start_service"]

VERSION = "0.1.0"


class ServiceHost(Protocol):
    """What the service API reports of its transport (a ``NatsTransport``)."""

    namespace: str
    statistics: NatsStatistics

    @property
    def client(self) -> Client:
        """The connected nats-py client."""
        ...

    @property
    def connected(self) -> bool:
        """Whether the client is connected right now."""
        ...

    def served(self) -> list[str]:
        """Names the transport receives messages for."""
        ...


class ServiceHandle:
    """The running micro service of one transport."""

    def __init__(self, transport: ServiceHost, service: Any, metadata: dict[str, str]) -> None:
        self.transport = transport
        self.service = service
        self.metadata = metadata

    def status(self) -> dict[str, Any]:
        """Actors and counters, as STATS and the status endpoint report them."""
        return {
            "namespace": self.transport.namespace,
            "actors": sorted(self.transport.served()),
            "counters": self.transport.statistics.as_dict(),
            "connected": self.transport.connected,
        }

    def update(self) -> None:
        """Refresh the metadata (the served actors) shown by PING and INFO."""
        self.metadata["actors"] = ",".join(sorted(self.transport.served()))

    async def stop(self) -> None:
        """Stop answering the service API."""
        await self.service.stop()


async def start_service(transport: ServiceHost) -> ServiceHandle:
    """Register ``transport`` with the NATS service API.

    Raises:
        TransportError: when the transport is not connected.

    """
    from nats.micro import add_service

    name = service_name(transport.namespace)
    metadata = {"namespace": transport.namespace, "actors": ""}
    handle: ServiceHandle | None = None

    def stats_handler(_endpoint: Any) -> dict[str, Any]:
        return handle.status() if handle is not None else {}

    service = await add_service(
        transport.client,
        name=name,
        version=VERSION,
        description=f"kaizen-actors system {transport.namespace!r}",
        metadata=metadata,
        stats_handler=stats_handler,
    )
    handle = ServiceHandle(transport, service, metadata)

    async def status(request: Any) -> None:
        await request.respond(json.dumps(handle.status()).encode())

    await service.add_endpoint(
        name="status",
        subject=service_subject(transport.namespace, service.id),
        handler=status,
    )
    handle.update()
    return handle
